"""What ``sesam fse`` prints of an FSE: the JSON summary (French keys, docs/formats/cli.md)
and the SCOR line of a dégradé FSE."""

from __future__ import annotations

import json
from typing import Any

from billing.fse import SecuringMode, money
from billing.fse_states import FseState
from client.labels import LOT_STATE_LABELS, fse_state_label, mode_guarantees_payment
from client.scor.pj import PjRecord
from client.store import FseRow, Store


def mask_nir(nir: str) -> str:
    """A NIR as shown in listings: the sex and birth year/month only."""
    return nir[:5] + "•" * max(len(nir) - 5, 0) if nir else ""


def fse_summary(row: FseRow, store: Store) -> dict[str, Any]:
    """What ``fse create`` and ``fse list --json`` print for one FSE (French keys, the
    codes as values: docs/formats/cli.md)."""
    document = json.loads(row.canonical)
    body = document["body"]
    lot = store.lot_by_id(row.lot_id) if row.lot_id else None
    beneficiary = body["beneficiary"]
    return {
        "numero": row.number,
        "id_fse": row.fse_uuid,
        "praticien": row.practitioner_id,
        "etat": row.state.value,
        "libelle_etat": fse_state_label(row.state.value),
        "mode": row.mode,
        "motif_degrade": row.degrade_reason,
        "date_soins": row.care_date.isoformat(),
        "organisme": body["organism"],
        "patient": {
            "nir": mask_nir(beneficiary["assure_nir"]),
            "date_naissance": beneficiary["birth_date"],
            "rang": beneficiary["rang"],
            "qualite": beneficiary["qualite"],
        },
        "actes": [_act_fr(act) for act in body["acts"]],
        "montants": {
            "honoraires": money(row.total_fees),
            "amo": money(row.amo),
            "participation_forfaitaire": money(row.participation_forfaitaire),
            "amc": money(row.amc),
            "reste_a_charge": money(row.patient_remainder),
        },
        "identification": beneficiary.get("identification", ""),
        "reference_adri": beneficiary.get("adri_reference", ""),
        # Only an FSE secured by the carte Vitale (the card or its application, ApCV)
        # guarantees payment [002 L4317, L4380].
        "garantie_paiement": mode_guarantees_payment(row.mode),
        "session_apcv": body["securing"].get("apcv_session", ""),
        "teleconsultation": bool(body.get("teleconsultation", False)),
        "tiers_payant": body["tiers_payant"],
        "mentions": body["mentions"],
        "empreinte": row.digest,
        "vitale": {"numero_serie": row.vitale_serial, "certification": row.vitale_certification}
        if row.vitale_certification
        else None,
        "lot": {
            "numero": lot.number,
            "id": lot.id,
            "etat": lot.state.value,
            "libelle_etat": LOT_STATE_LABELS[lot.state],
        }
        if lot
        else None,
        # FSE rectificative: the rejected FSE it replaces; a rectified FSE: its replacement.
        "rectifie": (
            {"numero": body["rectifies"]["number"], "id_fse": body["rectifies"]["fse_id"]}
            if "rectifies" in body
            else None
        ),
        "rectifiee_par": _rectified_by(row, store),
    }


def _rectified_by(row: FseRow, store: Store) -> dict[str, Any] | None:
    if row.state is not FseState.RECTIFIED:
        return None
    _, by = store.rectification_links(row.id)
    return None if by is None else {"numero": by.number, "id_fse": by.fse_uuid}


#: The act lines of the FSE document (docs/formats/fse.md), under the CLI's French keys.
_ACT_KEYS = {
    "date": "date",
    "code": "code",
    "quantity": "quantite",
    "coefficient": "coefficient",
    "fee": "honoraires",
    "base": "base_remboursement",
    "amo_rate": "taux_amo",
    "amo": "amo",
    "overrun_kind": "type_depassement",
    "overrun": "depassement",
}


def _act_fr(act: dict[str, Any]) -> dict[str, Any]:
    return {_ACT_KEYS.get(key, key): value for key, value in act.items()}


def pj_record(store: Store, row: FseRow) -> PjRecord | None:
    """The SCOR piece of a dégradé FSE, the 5-working-day rule applied first."""
    if row.mode != SecuringMode.DEGRADE.value:
        return None
    from client.scor.service import pj_service

    service = pj_service(store)
    service.refresh()
    return service.for_fse(row.number, practitioner_id=row.practitioner_id)


def pj_line(store: Store, row: FseRow) -> str:
    """What ``fse show`` says of the scanned feuille de soins of a dégradé FSE."""
    if row.mode != SecuringMode.DEGRADE.value:
        return ""
    record = pj_record(store, row)
    if record is None:
        return (
            "SCOR : feuille de soins signée à numériser "
            f"(sesam scor scan {row.number} ou sesam scor import {row.number} FICHIER)"
        )
    line = f"SCOR : PJ {record.id} — {record.status.label}"
    if record.paper_due:
        line += (
            " — ENVOYER LE DUPLICATA PAPIER À LA CAISSE "
            f"(sesam print duplicata {row.number}, puis sesam scor posted {record.id})"
        )
    elif record.paper_deadline:
        line += f" — à transmettre au plus tard le {record.paper_deadline:%d/%m/%Y}"
    return line
