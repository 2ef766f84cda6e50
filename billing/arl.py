"""ARL (accusé de réception logique): the concentrator's answer to one lot.

Positive when the lot is conformant, negative with motifs otherwise (field notes §4.6). The
wire form is a small JSON document described in ``docs/formats/arl.md``. The parser is strict:
it reads data that comes from outside, so anything unexpected raises :class:`MalformedArlError`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from billing.errors import BillingError

logger = logging.getLogger(__name__)

FORMAT = "SESAM-ARL"
VERSION = 1
MAX_SIZE = 1_000_000
MAX_MOTIFS = 10_000
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CODE = re.compile(r"[A-Z][0-9]{2}")
_KEYS = frozenset(
    {"format", "version", "arl_id", "lot_id", "statut", "recu_le", "nb_fse", "motifs"}
)
_MOTIF_KEYS = frozenset({"code", "fse", "libelle"})

#: Motif codes of a negative ARL, with their French label (project codes, see the format doc).
MOTIFS: Mapping[str, str] = {
    "A01": "Signature du lot invalide",
    "A02": "Certificat du signataire non reconnu",
    "A03": "Contenu du lot non conforme au format",
    "A04": "Certification Vitale invalide",
    "A05": "Clé du NIR incorrecte",
    "A06": "Organisme destinataire inconnu",
    "A07": "Lot vide",
    "A08": "Identifiant du lot incohérent",
    "A09": "Certificat du signataire révoqué",
    "A10": "Signataire du lot ni le praticien ni son remplaçant",
    "A11": "Numéro de lot déjà utilisé pour ce praticien",
    "A12": "FSE déjà acceptée dans un autre lot",
    "A13": "Signature ApCV invalide",
    "A14": "Session ApCV déjà utilisée pour une autre FSE",
    "A15": "Acte hors des règles de la téléconsultation",
}


class MalformedArlError(BillingError):
    """An ARL document does not follow the format; ``reason`` says where."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Accusé de réception (ARL) illisible : {reason}.")
        self.reason = reason


class ArlStatus(StrEnum):
    """Positive: the lot is acquired and conformant. Negative: it must be corrected and resent."""

    POSITIVE = "positif"
    NEGATIVE = "negatif"


@dataclass(frozen=True, slots=True)
class ArlMotif:
    """One reason of a negative ARL; ``fse_id`` is None when it concerns the whole lot."""

    code: str
    label: str
    fse_id: str | None = None


@dataclass(frozen=True, slots=True)
class Arl:
    """The logical acknowledgement of one lot."""

    arl_id: str
    lot_id: str
    status: ArlStatus
    received_at: datetime
    fse_count: int
    motifs: tuple[ArlMotif, ...] = ()

    @property
    def positive(self) -> bool:
        """True for a positive ARL."""
        return self.status is ArlStatus.POSITIVE

    def rejected_fse(self) -> frozenset[str]:
        """FSE named by a motif of this ARL."""
        return frozenset(m.fse_id for m in self.motifs if m.fse_id is not None)


def motif(code: str, fse_id: str | None = None) -> ArlMotif:
    """A motif with its standard label.

    :raises MalformedArlError: for an unknown code.
    """
    try:
        return ArlMotif(code=code, label=MOTIFS[code], fse_id=fse_id)
    except KeyError:
        raise MalformedArlError(f"motif inconnu {code!r}") from None


def _check(arl: Arl) -> None:
    if not _ID.fullmatch(arl.arl_id):
        raise MalformedArlError("identifiant d'ARL invalide")
    if not _ID.fullmatch(arl.lot_id):
        raise MalformedArlError("identifiant de lot invalide")
    if arl.received_at.tzinfo is None:
        raise MalformedArlError("date de réception sans fuseau horaire")
    if arl.fse_count < 0:
        raise MalformedArlError("nombre de FSE négatif")
    if arl.status is ArlStatus.POSITIVE and arl.motifs:
        raise MalformedArlError("un ARL positif ne porte pas de motif")
    if arl.status is ArlStatus.NEGATIVE and not arl.motifs:
        raise MalformedArlError("un ARL négatif sans motif")
    for m in arl.motifs:
        if not _CODE.fullmatch(m.code):
            raise MalformedArlError(f"code de motif invalide {m.code!r}")
        if m.fse_id is not None and not _ID.fullmatch(m.fse_id):
            raise MalformedArlError("identifiant de FSE invalide dans un motif")
        if not 0 < len(m.label) <= 200:
            raise MalformedArlError("libellé de motif vide ou trop long")


def build_arl(arl: Arl) -> bytes:
    """The canonical bytes of an ARL (sorted keys, UTF-8).

    :raises MalformedArlError: if the value would not parse back.
    """
    _check(arl)
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "arl_id": arl.arl_id,
        "lot_id": arl.lot_id,
        "statut": arl.status.value,
        "recu_le": arl.received_at.isoformat(),
        "nb_fse": arl.fse_count,
        "motifs": [{"code": m.code, "fse": m.fse_id, "libelle": m.label} for m in arl.motifs],
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MalformedArlError(f"clé {key!r} en double")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise MalformedArlError(f"valeur {name} interdite")


def _str(doc: Mapping[str, Any], key: str) -> str:
    value = doc[key]
    if not isinstance(value, str):
        raise MalformedArlError(f"{key} doit être une chaîne")
    return value


def _int(doc: Mapping[str, Any], key: str) -> int:
    value = doc[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedArlError(f"{key} doit être un entier")
    return value


def parse_arl(data: bytes) -> Arl:
    """Read an ARL document.

    :raises MalformedArlError: on anything that is not a well-formed ARL.
    """
    if len(data) > MAX_SIZE:
        raise MalformedArlError("document trop long")
    try:
        text = data.decode("utf-8")
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except MalformedArlError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedArlError("ce n'est pas un document JSON") from exc
    if not isinstance(doc, dict):
        raise MalformedArlError("objet JSON attendu")
    if set(doc) != _KEYS:
        raise MalformedArlError(f"champs attendus {sorted(_KEYS)}, reçus {sorted(doc)}")
    if doc["format"] != FORMAT or doc["version"] != VERSION:
        raise MalformedArlError("format ou version inconnus")
    try:
        status = ArlStatus(_str(doc, "statut"))
    except ValueError:
        raise MalformedArlError("statut inconnu") from None
    try:
        received_at = datetime.fromisoformat(_str(doc, "recu_le"))
    except ValueError:
        raise MalformedArlError("date de réception invalide") from None
    raw_motifs = doc["motifs"]
    if not isinstance(raw_motifs, list) or len(raw_motifs) > MAX_MOTIFS:
        raise MalformedArlError("motifs doit être une liste")
    motifs: list[ArlMotif] = []
    for raw in raw_motifs:
        if not isinstance(raw, dict) or set(raw) != _MOTIF_KEYS:
            raise MalformedArlError("motif mal formé")
        fse = raw["fse"]
        if fse is not None and not isinstance(fse, str):
            raise MalformedArlError("fse d'un motif doit être une chaîne ou null")
        motifs.append(ArlMotif(code=_str(raw, "code"), label=_str(raw, "libelle"), fse_id=fse))
    arl = Arl(
        arl_id=_str(doc, "arl_id"),
        lot_id=_str(doc, "lot_id"),
        status=status,
        received_at=received_at,
        fse_count=_int(doc, "nb_fse"),
        motifs=tuple(motifs),
    )
    _check(arl)
    return arl
