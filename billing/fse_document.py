"""Reading an FSE back from its document (``docs/formats/fse.md``): strict, since the
document comes from the store, a lot or a file, and raising :class:`FseError` on anything
that does not fit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from billing.canonical import canonical_bytes
from billing.fse_model import (
    Amounts,
    Beneficiary,
    Fse,
    FseAct,
    FseBody,
    FseError,
    Mentions,
    Organism,
    PatientIdentification,
    PractitionerSituation,
    Rectifies,
    Replacement,
    SecuringMode,
    TiersPayant,
    parse_money,
    parse_stamp,
)
from billing.signing import sha256


def _str(doc: Mapping[str, Any], key: str) -> str:
    value = doc[key]
    if not isinstance(value, str):
        raise FseError(f"champ {key} : texte attendu")
    return value


def _int(doc: Mapping[str, Any], key: str) -> int:
    value = doc[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise FseError(f"champ {key} : entier attendu")
    return value


def _bool(doc: Mapping[str, Any], key: str) -> bool:
    value = doc[key]
    if not isinstance(value, bool):
        raise FseError(f"champ {key} : booléen attendu")
    return value


def _decimal(doc: Mapping[str, Any], key: str) -> Decimal:
    value = _str(doc, key)
    try:
        result = Decimal(value)
    except InvalidOperation as exc:
        raise FseError(f"champ {key} : nombre décimal attendu") from exc
    if not result.is_finite():
        raise FseError(f"champ {key} : nombre décimal attendu")
    return result


def _act_from(doc: Mapping[str, Any]) -> FseAct:
    return FseAct(
        date=date.fromisoformat(_str(doc, "date")),
        code=_str(doc, "code"),
        quantity=_int(doc, "quantity"),
        coefficient=_decimal(doc, "coefficient"),
        fee=parse_money(doc["fee"], "fee"),
        base=parse_money(doc["base"], "base"),
        amo_rate=_decimal(doc, "amo_rate"),
        amo=parse_money(doc["amo"], "amo"),
        overrun_kind=_str(doc, "overrun_kind"),
        overrun=parse_money(doc["overrun"], "overrun"),
    )


def body_from_document(doc: Mapping[str, Any]) -> FseBody:
    """Rebuild a body from its document (already schema-checked).

    :raises FseError: a value cannot be read back.
    """
    try:
        p = doc["practitioner"]
        replacement = p["replacement"]
        b = doc["beneficiary"]
        o = doc["organism"]
        s = doc["securing"]
        a = doc["amounts"]
        r = doc.get("rectifies")
        return FseBody(
            fse_id=_str(doc, "fse_id"),
            number=_int(doc, "number"),
            created_at=parse_stamp(_str(doc, "created_at")),
            care_date=date.fromisoformat(_str(doc, "care_date")),
            practitioner=PractitionerSituation(
                billing_number=_str(p, "billing_number"),
                billing_key=_str(p, "billing_key"),
                national_id=_str(p, "national_id"),
                last_name=_str(p, "last_name"),
                first_name=_str(p, "first_name"),
                situation=_int(p, "situation"),
                specialty=_str(p, "specialty"),
                sector=_str(p, "sector"),
                convention_code=_str(p, "convention_code"),
                price_zone=_str(p, "price_zone"),
                ik_zone=_str(p, "ik_zone"),
                practice_mode=_str(p, "practice_mode"),
                structure=_str(p, "structure"),
                replacement=None
                if replacement is None
                else Replacement(
                    number=_str(replacement, "number"),
                    national_id=_str(replacement, "national_id"),
                ),
            ),
            beneficiary=Beneficiary(
                assure_nir=_str(b, "assure_nir"),
                assure_nir_key=_str(b, "assure_nir_key"),
                beneficiary_nir=_str(b, "beneficiary_nir"),
                beneficiary_nir_key=_str(b, "beneficiary_nir_key"),
                birth_date=_str(b, "birth_date"),
                rang=_str(b, "rang"),
                qualite=_str(b, "qualite"),
                identification=PatientIdentification(_str(b, "identification")),
                adri_reference=_str(b, "adri_reference"),
            ),
            organism=Organism(
                regime=_str(o, "regime"),
                caisse=_str(o, "caisse"),
                centre=_str(o, "centre"),
                code_gestion=_str(o, "code_gestion"),
            ),
            mode=SecuringMode(_str(s, "mode")),
            vitale_serial=_str(s, "vitale_serial"),
            degrade_reason=_str(s, "degrade_reason"),
            apcv_session=_str(s, "apcv_session") if "apcv_session" in s else "",
            acts=tuple(_act_from(act) for act in doc["acts"]),
            amounts=Amounts(
                total_fees=parse_money(a["total_fees"], "total_fees"),
                amo=parse_money(a["amo"], "amo"),
                participation_forfaitaire=parse_money(
                    a["participation_forfaitaire"], "participation_forfaitaire"
                ),
                amc=parse_money(a["amc"], "amc"),
                patient_remainder=parse_money(a["patient_remainder"], "patient_remainder"),
            ),
            tiers_payant=TiersPayant(
                amo=_bool(doc["tiers_payant"], "amo"), amc=_bool(doc["tiers_payant"], "amc")
            ),
            mentions=Mentions(
                de=_bool(doc["mentions"], "de"),
                ed=_bool(doc["mentions"], "ed"),
                acte_gratuit=_bool(doc["mentions"], "acte_gratuit"),
            ),
            coverage={str(k): str(v) for k, v in doc["coverage"].items()},
            referential_version=_str(doc, "referential_version"),
            rectifies=None
            if r is None
            else Rectifies(fse_id=_str(r, "fse_id"), number=_int(r, "number")),
            teleconsultation=_bool(doc, "teleconsultation") if "teleconsultation" in doc else False,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, FseError):
            raise
        raise FseError(f"FSE illisible : {exc}") from exc


def fse_from_document(doc: Mapping[str, Any]) -> Fse:
    """Rebuild an FSE from its wire document and check its digest.

    :raises FseError: unreadable, or the digest does not match the body.
    """
    try:
        body = body_from_document(doc["body"])
        # The digest is over the bytes received, and the body must read back to the same
        # bytes: a field this version does not know about would otherwise go unnoticed.
        received = canonical_bytes(doc["body"])
        digest = sha256(received)
        if body.canonical() != received:
            raise FseError(f"FSE n° {body.number} : contenu non conforme au format version 1.")
        if digest.hex() != doc["digest"]:
            raise FseError(f"FSE n° {body.number} : l'empreinte ne correspond pas au contenu.")
        certification = bytes.fromhex(doc["vitale_certification"])
        apcv_signature = bytes.fromhex(doc.get("apcv_signature", ""))
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        # outside data: a missing part, a wrong type, an amount out of Decimal's range
        raise FseError(f"FSE illisible : {exc}") from exc
    return Fse(body=body, digest=digest, certification=certification, apcv_signature=apcv_signature)
