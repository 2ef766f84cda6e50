"""Lots of FSE: grouping rules, canonical content, CPS signature, end-to-end verification.

A lot gathers the secured FSE of one practitioner for one destination organism and one
securing mode (a dégradé FSE never shares a lot with a secured one). It is closed when it
holds ``LotRules.max_fse`` FSE, when its oldest FSE is ``LotRules.max_age`` old, or on
demand; closing signs its canonical content (``SESAM-LOT`` version 1, RFC 8785 JSON) in a
CMS SignedData with the CPS. ``docs/formats/lot.md`` is the receiver's description.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from billing.canonical import CanonicalError, canonical_bytes, parse_canonical
from billing.errors import BillingError
from billing.lot_states import KIND_FSE, LotState

if TYPE_CHECKING:
    from billing.cms import CmsError
    from billing.fse_model import Fse, Organism, SecuringMode
    from billing.signing import Signer

# billing.cms (cryptography.x509, asn1crypto) is imported by the functions that sign or
# verify a lot only: the store imports this module for its states and rules, and opening
# the store at start-up should not load the X.509 stack. Nor the FSE's model and schema
# (~7 ms, issue #27): a listing reads lot states, it builds or verifies no lot.

logger = logging.getLogger(__name__)

FORMAT = "SESAM-LOT"
VERSION = 1


@dataclass(frozen=True, slots=True)
class LotRules:
    """When a lot is closed: at ``max_fse`` FSE, or when its oldest FSE is ``max_age`` old."""

    max_fse: int = 50
    max_age: timedelta = timedelta(hours=24)

    def is_full(self, fse_count: int) -> bool:
        """No more FSE go into a lot holding this many."""
        return fse_count >= self.max_fse

    def is_due(self, fse_count: int, oldest_fse_at: datetime | None, now: datetime) -> bool:
        """Whether an open lot must be closed now (full, or its oldest FSE is too old)."""
        if fse_count == 0:
            return False
        if self.is_full(fse_count):
            return True
        return oldest_fse_at is not None and now - oldest_fse_at >= self.max_age


DEFAULT_RULES = LotRules()


@dataclass(frozen=True, slots=True, order=True)
class LotKey:
    """What FSE must share to be in the same lot."""

    practitioner_id: str
    organism: str  # Organism.key: regime-caisse-centre
    mode: SecuringMode


def lot_key(fse: Fse) -> LotKey:
    """The lot an FSE belongs to: practitioner, destination organism, securing mode."""
    body = fse.body
    return LotKey(body.practitioner.practitioner_id, body.organism.key, body.mode.lot_mode)


def group_into_lots(fses: Sequence[Fse], rules: LotRules = DEFAULT_RULES) -> list[list[Fse]]:
    """Split FSE into lots: by ``lot_key``, in number order, at most ``rules.max_fse`` each."""
    groups: dict[LotKey, list[Fse]] = {}
    for fse in sorted(fses, key=lambda f: (f.body.practitioner.practitioner_id, f.number)):
        groups.setdefault(lot_key(fse), []).append(fse)
    lots: list[list[Fse]] = []
    for key in sorted(groups):
        members = groups[key]
        for start in range(0, len(members), rules.max_fse):
            lots.append(members[start : start + rules.max_fse])
    return lots


class LotError(BillingError):
    """A lot cannot be built, or does not verify; ``reason`` says which check failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Lot invalide : {reason}.")
        self.reason = reason


def lot_document(
    *,
    lot_id: str,
    number: int,
    created_at: datetime,
    closed_at: datetime,
    fses: Sequence[Fse],
    journal: tuple[int, str] | None = None,
) -> dict[str, Any]:
    """The lot's content document; every FSE must share the lot key.

    ``journal``: (seq, hash) of the workstation's audit journal head when the lot is
    signed; the caisse keeps it, signed, as an anchor of that journal.

    :raises LotError: empty, or FSE of different practitioners, organisms or modes.
    """
    if not fses:
        raise LotError("un lot contient au moins une FSE")
    from billing.fse_model import money, utc_stamp

    keys = {lot_key(fse) for fse in fses}
    if len(keys) != 1:
        raise LotError("FSE de praticiens, d'organismes ou de modes différents dans un même lot")
    first = fses[0].body
    zero = Decimal("0.00")
    ordered = sorted(fses, key=lambda f: f.number)
    anchor = {} if journal is None else {"journal": {"seq": journal[0], "head": journal[1]}}
    return {
        **anchor,
        "format": FORMAT,
        "version": VERSION,
        "lot_id": lot_id,
        "number": number,
        "kind": KIND_FSE,
        "mode": first.mode.lot_mode.value,
        "practitioner": first.practitioner.to_document(),
        "organism": first.organism.to_document(),
        "created_at": utc_stamp(created_at),
        "closed_at": utc_stamp(closed_at),
        "fse_count": len(ordered),
        "totals": {
            "total_fees": money(sum((f.body.amounts.total_fees for f in ordered), zero)),
            "amo": money(sum((f.body.amounts.amo for f in ordered), zero)),
            "amc": money(sum((f.body.amounts.amc for f in ordered), zero)),
        },
        "fse_digests": [f.digest.hex() for f in ordered],
        "fse": [f.to_document() for f in ordered],
    }


def lot_content(
    *,
    lot_id: str,
    number: int,
    created_at: datetime,
    closed_at: datetime,
    fses: Sequence[Fse],
    journal: tuple[int, str] | None = None,
) -> bytes:
    """The canonical bytes of the lot: what the CPS signs and the receiver reads."""
    return canonical_bytes(
        lot_document(
            lot_id=lot_id,
            number=number,
            created_at=created_at,
            closed_at=closed_at,
            fses=fses,
            journal=journal,
        )
    )


def sign_lot(content: bytes, signer: Signer, signing_time: datetime) -> bytes:
    """The DER CMS SignedData of the lot content, signed by the CPS behind ``signer``."""
    from billing.cms import build_signed_data

    return build_signed_data(content, signer, signing_time)


@dataclass(frozen=True, slots=True)
class VerifiedLot:
    """A lot whose signature, chain, schema and digests all checked out."""

    lot_id: str
    number: int
    mode: SecuringMode
    organism: Organism
    practitioner_id: str
    created_at: datetime
    closed_at: datetime
    fses: tuple[Fse, ...]
    signer_subject: str
    signer_certificate_der: bytes
    signing_time: datetime
    content: bytes
    document: dict[str, Any]


def _ca_der(ca_cert: bytes) -> bytes:
    from asn1crypto import pem

    if pem.detect(ca_cert):
        _type, _headers, der = pem.unarmor(ca_cert)
        return bytes(der)
    return ca_cert


def verify_lot(der: bytes, ca_cert: bytes) -> VerifiedLot:
    """Check a signed lot end to end and return what it holds.

    Checks, in order: the CMS signature, messageDigest and certificate chain to
    ``ca_cert`` (DER or PEM) at the signing time; the content is canonical RFC 8785 JSON
    following ``lot.schema.json``; every FSE's digest matches its body and the lot's
    ``fse_digests``; counts, totals, numbers, practitioner, organism and mode are
    consistent; vitale FSE carry a certification and the others none.

    :raises LotError: with the first failed check (CMS failures as ``CmsError``).
    """
    from billing.cms import verify_signed_data
    from billing.fse_model import FseError, Organism, SecuringMode, parse_money, parse_stamp
    from billing.fse_schema import SchemaError, validate_lot

    verified = verify_signed_data(der, _ca_der(ca_cert))
    try:
        doc = parse_canonical(verified.content)
        validate_lot(doc)
    except (CanonicalError, SchemaError) as exc:
        raise LotError(str(exc)) from exc
    from billing.fse import fse_from_document  # signing code only when a lot is read

    try:
        fses = tuple(fse_from_document(item) for item in doc["fse"])
    except FseError as exc:
        raise LotError(exc.reason) from exc
    if doc["fse_count"] != len(fses):
        raise LotError("le nombre de FSE annoncé ne correspond pas")
    if doc["fse_digests"] != [f.digest.hex() for f in fses]:
        raise LotError("la liste des empreintes ne correspond pas aux FSE")
    numbers = [f.number for f in fses]
    if numbers != sorted(set(numbers)):
        raise LotError("numéros de FSE en double ou dans le désordre")
    if len({f.body.fse_id for f in fses}) != len(fses):
        raise LotError("identifiants de FSE en double")
    mode = SecuringMode(doc["mode"])
    organism = Organism(**doc["organism"])
    practitioner_id = doc["practitioner"]["billing_number"] + doc["practitioner"]["billing_key"]
    for fse in fses:
        if lot_key(fse) != LotKey(practitioner_id, organism.key, mode):
            raise LotError(f"la FSE n° {fse.number} n'appartient pas à ce lot")
        if (fse.mode is SecuringMode.VITALE) != bool(fse.certification):
            raise LotError(f"FSE n° {fse.number} : certification Vitale incohérente avec le mode")
        if (fse.mode is SecuringMode.APCV) != bool(fse.apcv_signature):
            raise LotError(f"FSE n° {fse.number} : signature ApCV incohérente avec le mode")
    zero = Decimal("0.00")
    for name in ("total_fees", "amo", "amc"):
        total = sum((getattr(f.body.amounts, name) for f in fses), zero)
        if parse_money(doc["totals"][name], name) != total:
            raise LotError(f"total {name} incohérent")
    try:  # the schema checks the shape of the stamps, not that the date exists
        created_at, closed_at = parse_stamp(doc["created_at"]), parse_stamp(doc["closed_at"])
    except ValueError as exc:
        raise LotError("date de création ou de clôture impossible") from exc
    return VerifiedLot(
        lot_id=doc["lot_id"],
        number=doc["number"],
        mode=mode,
        organism=organism,
        practitioner_id=practitioner_id,
        created_at=created_at,
        closed_at=closed_at,
        fses=fses,
        signer_subject=verified.signer_subject,
        signer_certificate_der=verified.signer_certificate_der,
        signing_time=verified.signing_time,
        content=verified.content,
        document=doc,
    )


def __getattr__(name: str) -> Any:
    # CmsError stays importable from here without loading billing.cms with this module.
    if name == "CmsError":
        from billing.cms import CmsError

        return CmsError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_RULES",
    "CmsError",
    "LotError",
    "LotKey",
    "LotRules",
    "LotState",
    "VerifiedLot",
    "group_into_lots",
    "lot_content",
    "lot_document",
    "lot_key",
    "sign_lot",
    "verify_lot",
]
