"""FSE rectificative: a rejected FSE (NOEMIE reject, or refused in a negative ARL) billed
again, corrected, as a new FSE that names it.

The rectificative is built from the original's acts, date of care and patient, with the
user's corrections over them (the same keys as ``sesam fse create``'s input, see
``docs/formats/fse.md``), priced again at the date of care, secured and stored by
``FseService.create`` with a new number in an open lot (signed and sent as any other).
In the same transaction the original becomes ``rectified`` (its events kept), and the link
is stored both ways (``fse_rectifications``, migration m014) and journaled: the original's
``rectified`` event names the rectificative, the rectificative's document the original.
A rectified FSE counts in no total: its rectificative does.

Used by ``sesam fse rectify`` and the queue page's « Corriger et renvoyer… ».
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from billing.fse import SecuringMode, money
from billing.fse_states import RECTIFIABLE_STATES, FseState
from billing.signing import ApcvSigner
from client.fse_service import (
    CpsSource,
    FseInputError,
    FseService,
    FseServiceError,
    VitaleSource,
    parse_fse_input,
)
from client.labels import fse_state_label
from client.store import FseRow, Store

logger = logging.getLogger(__name__)


class RectifyRefusedError(FseServiceError):
    """The FSE cannot be rectified (not rejected, or rectified already); French message."""


@dataclass(frozen=True, slots=True)
class RectifyRequest:
    """What to rectify and what to change.

    ``corrections`` holds keys of the ``sesam fse create`` input (``date_of_care``,
    ``acts``, ``patient``, ``identity``, ``mode``, ``beneficiary``, ``tiers_payant``...);
    every key not given keeps the original's value. Without ``identity`` nor ``mode``, the
    patient is the original's, identified by NIR (SESAM sans Vitale: the patient has gone).
    """

    number: int
    practitioner_id: str | None = None
    corrections: Mapping[str, Any] = field(default_factory=dict)
    # A rejected ApCV FSE: the patient's new code (``client.rectify_apcv``); never logged.
    apcv_code: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class Rectified:
    """The original (now ``rectified``) and its rectificative (``secured``, in a lot)."""

    original: FseRow
    rectificative: FseRow


def check_rectifiable(store: Store, original: FseRow) -> None:
    """Refuse, in French, an FSE that the caisse took or that was rectified already.

    :raises RectifyRefusedError: it is not rejected nor refused.
    """
    if original.state is FseState.RECTIFIED:
        _, by = store.rectification_links(original.id)
        already = f" par la FSE n° {by.number}" if by is not None else ""
        raise RectifyRefusedError(
            f"La FSE n° {original.number} a déjà été rectifiée{already} : c'est celle-ci "
            "qu'il faut suivre (ou rectifier si elle est rejetée à son tour)."
        )
    if original.state not in RECTIFIABLE_STATES:
        raise RectifyRefusedError(
            f"La FSE n° {original.number} est « {fse_state_label(original.state.value)} » : "
            "seule une FSE rejetée par la caisse (retour NOEMIE) ou refusée (ARL négatif) "
            "peut être corrigée et renvoyée. Une FSE pas encore envoyée s'annule et se refait."
        )


def original_input(store: Store, original: FseRow) -> dict[str, Any]:
    """The ``sesam fse create`` input that bills the original's care again, as it was:
    same date, acts, dépassement, coverage, tiers payant, situation; the patient by NIR."""
    body = original.fse().body
    patient = store.patient(original.patient_id) or {}
    b = body.beneficiary
    coverage = body.coverage
    request: dict[str, Any] = {
        "date_of_care": body.care_date.isoformat(),
        "practitioner": {},
        "patient": {
            "ald": coverage.get("ald") == "1",
            "c2s": coverage.get("c2s") == "1",
            "maternity": coverage.get("maternity") == "1",
            "at_mp": coverage.get("at_mp") == "1",
            "care_pathway": coverage.get("care_pathway", "in"),
        },
        "acts": [
            {"code": a.code, "quantity": a.quantity, "coefficient": str(a.coefficient)}
            for a in body.acts
        ],
        "situation": body.practitioner.situation,
        "tiers_payant": {"amo": body.tiers_payant.amo, "amc": body.tiers_payant.amc},
        "acte_gratuit": body.mentions.acte_gratuit,
        "teleconsultation": body.teleconsultation,
        "mode": SecuringMode.SANS_VITALE.value,
        "identity": {
            "nir": b.assure_nir + b.assure_nir_key,
            "beneficiary_nir": b.beneficiary_nir + b.beneficiary_nir_key,
            "birth_date": b.birth_date,
            "rang": b.rang,
            "qualite": b.qualite,
            "identification": "nir",
            "organism": body.organism.to_document(),
            "last_name": str(patient.get("last_name") or ""),
            "first_name": str(patient.get("first_name") or ""),
        },
    }
    overruns = [a for a in body.acts if a.overrun_kind]
    if overruns:
        request["overrun"] = {
            "kind": overruns[0].overrun_kind,
            "amount": money(sum((a.overrun for a in overruns), start=Decimal("0.00"))),
        }
    return request


def merged_input(store: Store, original: FseRow, corrections: Mapping[str, Any]) -> dict[str, Any]:
    """The original's input with the corrections over it (a key given replaces it whole)."""
    request = original_input(store, original)
    if "beneficiary" in corrections or corrections.get("mode") == SecuringMode.VITALE.value:
        # The carte Vitale read again: the patient is the one chosen on it.
        request.pop("identity")
        request.pop("mode")
    elif "adri" in corrections:
        request.pop("identity")  # filled by the ADRi answer
    if "acts" in corrections or "overrun" in corrections:
        request.pop("overrun", None)
    request.update(corrections)
    return request


@dataclass(frozen=True, slots=True)
class RectifyDraft:
    """What the « Corriger et renvoyer » dialog starts from: the rejected FSE as billed."""

    number: int
    practitioner_id: str
    fse_uuid: str
    state: FseState
    care_date: date
    acts: tuple[str, ...]  # codes, in order, a code once per unit
    tiers_payant_amo: bool
    tiers_payant_amc: bool
    patient: str  # « NOM Prénom » as stored
    apcv: bool = False  # secured by an ApCV session: a new code, or sans Vitale by ADRi


def rectify_draft(store: Store, fse_uuid: str) -> RectifyDraft:
    """The rejected FSE to correct, refused (French) when it cannot be rectified.

    :raises NotFoundError: no such FSE.
    :raises RectifyRefusedError: it is not rejected nor refused, or was rectified.
    """
    original = store.fse_by_uuid(fse_uuid)
    check_rectifiable(store, original)
    body = original.fse().body
    patient = store.patient(original.patient_id) or {}
    return RectifyDraft(
        number=original.number,
        practitioner_id=original.practitioner_id,
        fse_uuid=original.fse_uuid,
        state=original.state,
        care_date=original.care_date,
        acts=tuple(a.code for a in body.acts for _ in range(a.quantity)),
        tiers_payant_amo=body.tiers_payant.amo,
        tiers_payant_amc=body.tiers_payant.amc,
        patient=" ".join(
            str(patient.get(k) or "") for k in ("last_name", "first_name") if patient.get(k)
        ),
        apcv=body.mode is SecuringMode.APCV,
    )


def corrections_from(
    draft: RectifyDraft, care_date: date, acts: tuple[str, ...], amo: bool, amc: bool
) -> dict[str, Any]:
    """The corrections a screen asks for: only what differs from the draft (the acts as
    billed, coefficients and dépassement included, stay when their codes do not change)."""
    corrections: dict[str, Any] = {}
    if care_date != draft.care_date:
        corrections["date_of_care"] = care_date.isoformat()
    if acts != draft.acts:
        corrections["acts"] = [{"code": code} for code in acts]
    if (amo, amc) != (draft.tiers_payant_amo, draft.tiers_payant_amc):
        corrections["tiers_payant"] = {"amo": amo, "amc": amc}
    return corrections


def load_corrections(path: Path) -> dict[str, Any]:
    """The corrections file of ``sesam fse rectify --json`` (an object, ``fse create``'s
    keys). :raises FseInputError: unreadable, not JSON, or not an object."""
    try:
        raw = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise FseInputError(str(path), f"fichier illisible ({exc.strerror})") from None
    except ValueError as exc:
        raise FseInputError(str(path), f"JSON invalide ({exc})") from None
    if not isinstance(raw, dict):
        raise FseInputError("(racine)", "objet JSON attendu")
    return raw


def vitale_wanted(corrections: Mapping[str, Any]) -> str:
    """Whether the command reads the carte Vitale (``with_cards``): only when the
    corrections ask for it; by default the original's patient is identified by NIR."""
    mode = corrections.get("mode")
    if mode == SecuringMode.DEGRADE.value:
        return "best_effort"
    if mode == SecuringMode.VITALE.value or "beneficiary" in corrections:
        return "if_present"
    return "no"


def rectify(
    service: FseService,
    request: RectifyRequest,
    cps: CpsSource,
    vitale: VitaleSource | None,
    apcv: ApcvSigner | None = None,
) -> Rectified:
    """Build, price, secure and store the rectificative of FSE n° ``request.number``
    (``apcv``: the new session of a rejected ApCV FSE, ``client.rectify_apcv.prepare``).

    :raises NotFoundError: no such FSE.
    :raises RectifyRefusedError: it cannot be rectified.
    :raises FseInputError: a correction is malformed.
    :raises FseServiceError, PricingRejectedError, InputError: as ``FseService.create``.
    """
    store = service.store
    original = store.fse_by_number(request.number, request.practitioner_id)
    check_rectifiable(store, original)
    fse_request = parse_fse_input(merged_input(store, original, request.corrections))
    try:
        row = service.create(fse_request, cps, vitale, rectifies=original, apcv=apcv)
    except Exception:
        # Rectified by another window between the check and the write: say it that way.
        check_rectifiable(store, store.fse_by_number(original.number, original.practitioner_id))
        raise
    logger.info("FSE n° %d rectified by FSE n° %d", original.number, row.number)
    return Rectified(original=store.fse_by_uuid(original.fse_uuid), rectificative=row)
