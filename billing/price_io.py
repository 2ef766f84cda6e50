"""The JSON contract of ``sesam price``: parse a pricing request, format a priced invoice.

The contract is used by external checks: keep the field names, the amount strings (two
decimals) and the error codes stable. Unknown fields are ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from billing.amc import AmcCoverage, load_amc_rules
from billing.errors import BillingError
from billing.pricing import PricedInvoice
from billing.request import (
    Act,
    CarePathway,
    HistoryEntry,
    Overrun,
    OverrunKind,
    Patient,
    Practitioner,
    PricingRequest,
    Sector,
)

logger = logging.getLogger(__name__)

#: Zones with their own kilometric allowances [002 L3340-3341]; métropole by default.
ZONES = ("metropole", "971", "972", "973", "974", "976")
#: Bounds of what an FSE can carry (``billing.fse_schema``): beyond them pricing would
#: overflow Decimal's precision instead of answering.
MAX_QUANTITY = 999
MAX_COEFFICIENT = Decimal(9999)
MAX_AMOUNT = Decimal("999999999.99")


class InputError(BillingError):
    """A malformed pricing request; ``field`` is the JSON path of the faulty field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"Champ « {field} » : {message}")
        self.field = field
        self.message = message


def parse_request(obj: object) -> PricingRequest:
    """Build a :class:`PricingRequest` from the decoded JSON of the contract.

    :raises InputError: a field is missing or ill-typed; the error names it.
    """
    root = read_object(obj, "(racine)")
    on = _date(root, "date_of_care", "date_of_care")
    practitioner = _practitioner(_object(_required(root, "practitioner", ""), "practitioner"))
    patient = _patient(_object(_required(root, "patient", ""), "patient"), on)
    acts = read_acts(root)
    overrun = read_overrun(root)
    amc = read_amc(root.get("amc"), on)
    return PricingRequest(
        on,
        practitioner,
        patient,
        acts,
        overrun,
        read_history(root),
        amc,
        teleconsultation=read_teleconsultation(root),
    )


def read_teleconsultation(root: Mapping[str, Any]) -> bool:
    """The ``teleconsultation`` key (default false): the act was done at a distance."""
    return _bool(root, "teleconsultation", "teleconsultation")


def read_amc(obj: object, on: date) -> AmcCoverage | None:
    """The optional ``amc`` object: ``{"contract": "RESP150", "used_this_year": "0.00"}``,
    the contract's rule taken from ``billing/tariffs/amc-garanties.json``."""
    if obj is None:
        return None
    root = _object(obj, "amc")
    contract = _text(root, "contract", "amc.contract")
    rules = load_amc_rules()
    rule = rules.rule(contract, on)
    if rule is None:
        known = ", ".join(sorted({r.contract for r in rules.rules}))
        raise InputError("amc.contract", f"garantie {contract} inconnue à cette date ({known})")
    used = root.get("used_this_year")
    spent = Decimal("0.00") if used is None else _decimal(used, "amc.used_this_year")
    if spent < 0 or spent > MAX_AMOUNT:
        raise InputError("amc.used_this_year", "montant positif attendu")
    return AmcCoverage(rule, spent)


def read_object(obj: object, field: str) -> Mapping[str, Any]:
    """``obj`` if it is a JSON object."""
    return _object(obj, field)


def read_overrun(root: Mapping[str, Any]) -> Overrun | None:
    """The ``overrun`` of the request object, if any."""
    overrun_raw = root.get("overrun")
    return None if overrun_raw is None else _overrun(_object(overrun_raw, "overrun"))


def read_acts(root: Mapping[str, Any]) -> tuple[Act, ...]:
    """The ``acts`` of the request object (at least one)."""
    acts_raw = _required(root, "acts", "")
    if not isinstance(acts_raw, list):
        raise InputError("acts", "liste d'actes attendue")
    if not acts_raw:
        raise InputError("acts", "au moins un acte est attendu")
    return tuple(_act(_object(item, f"acts[{i}]"), f"acts[{i}]") for i, item in enumerate(acts_raw))


def read_history(root: Mapping[str, Any]) -> tuple[HistoryEntry, ...]:
    """The ``history`` of the request object (none when absent or null)."""
    history_raw = root.get("history", [])
    if history_raw is None:
        history_raw = []
    if not isinstance(history_raw, list):
        raise InputError("history", "liste attendue")
    return tuple(
        _history(_object(item, f"history[{i}]"), f"history[{i}]")
        for i, item in enumerate(history_raw)
    )


# --- the same checks on typed values (the desk builds its request without the JSON) ------


def specialty_of(value: object) -> str:
    """``value`` as ``practitioner.specialty`` (two digits)."""
    return read_specialty({"specialty": value})


def sector_of(value: object) -> Sector:
    """``value`` as ``practitioner.sector``."""
    return read_sector({"sector": value})


def care_pathway_of(value: object) -> CarePathway:
    """``value`` as ``patient.care_pathway``."""
    return read_care_pathway({"care_pathway": value})


def checked_act(code: str, quantity: int, coefficient: Decimal, field: str) -> Act:
    """The act ``field`` (``acts[i]``) as ``sesam price`` reads it: code upper-cased,
    quantity and coefficient within what an FSE can carry."""
    return _act({"code": code, "quantity": quantity, "coefficient": str(coefficient)}, field)


def checked_overrun(kind: str, amount: Decimal) -> Overrun:
    """The ``overrun`` as ``sesam price`` reads it (a known kind, a positive amount)."""
    return _overrun({"kind": kind, "amount": str(amount)})


def to_json(priced: PricedInvoice) -> dict[str, Any]:
    """The contract's output object (amounts as strings with two decimals), under the
    French keys of every ``sesam`` output (docs/formats/cli.md)."""
    return {
        "valide": priced.valid,
        "erreurs": [
            {"code": error.code.value, "acte": error.act_code, "message": error.message}
            for error in priced.errors
        ],
        "lignes": [
            {
                "code": line.code,
                "montant": _money(line.amount),
                "base_remboursement": _money(line.reimbursement_base),
                "taux_amo": _rate(line.amo_rate),
                "montant_amo": _money(line.amo_amount),
                "montant_amc": _money(line.amc_amount),
            }
            for line in priced.lines
        ],
        "honoraires": _money(priced.total_fees),
        "amo": _money(priced.amo),
        "participation_forfaitaire": _money(priced.participation_forfaitaire),
        "amc": _money(priced.amc),
        "amc_garantie": priced.amc_rule,
        "amc_plafond": priced.amc_capped_by.value if priced.amc_capped_by else None,
        "reste_a_charge": _money(priced.patient_remainder),
    }


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):.2f}"


def _rate(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


# --- field readers ------------------------------------------------------------------------


def _path(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InputError(field, "objet JSON attendu")
    return value


def _required(obj: Mapping[str, Any], name: str, parent: str) -> Any:
    if name not in obj or obj[name] is None:
        raise InputError(_path(parent, name), "champ obligatoire absent")
    return obj[name]


def _date(obj: Mapping[str, Any], name: str, field: str) -> date:
    return read_date(obj.get(name), field)


def read_date(value: object, field: str) -> date:
    """A date of the contract (text AAAA-MM-JJ); ``field`` names it in the error."""
    if value is None:
        raise InputError(field, "champ obligatoire absent (date AAAA-MM-JJ)")
    if not isinstance(value, str):
        raise InputError(field, "date attendue sous forme de texte AAAA-MM-JJ")
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(field, f"date invalide {value!r} (format attendu AAAA-MM-JJ)") from None


def _bool(obj: Mapping[str, Any], name: str, field: str, default: bool = False) -> bool:
    value = obj.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InputError(field, "booléen attendu (true ou false)")
    return value


def _encodable(value: str, field: str) -> str:
    """``value`` if it can be written out in UTF-8 (JSON allows lone surrogates, UTF-8 not)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = ord(value[exc.start])
        raise InputError(
            field, f"texte invalide : caractère U+{bad:04X} isolé, non représentable en UTF-8"
        ) from None
    return value


def _text(obj: Mapping[str, Any], name: str, field: str) -> str:
    value = _required(obj, name, field.rpartition(".")[0])
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, "texte non vide attendu")
    return _encodable(value, field).strip()


def _optional_text(obj: Mapping[str, Any], name: str, field: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InputError(field, "texte attendu")
    try:
        return _encodable(str(value), field).strip() or None
    except ValueError:  # an integer of more than 4300 digits
        raise InputError(field, "texte attendu") from None


def _decimal(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(field, 'nombre décimal attendu (par exemple "10.00")')
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):  # ValueError: an integer of over 4300 digits
        raise InputError(field, f"nombre décimal invalide {value!r}") from None
    if not result.is_finite():
        raise InputError(field, f"nombre décimal invalide {value!r}")
    return result


def _quantity(obj: Mapping[str, Any], field: str) -> int:
    value = obj.get("quantity", 1)
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(field, "nombre entier attendu")
    if value < 1:
        raise InputError(field, "quantité d'au moins 1 attendue")
    if value > MAX_QUANTITY:
        raise InputError(field, f"quantité d'au plus {MAX_QUANTITY} attendue")
    return value


def read_specialty(obj: Mapping[str, Any]) -> str:
    """``practitioner.specialty`` of ``obj`` (the practitioner object)."""
    specialty = _text(obj, "specialty", "practitioner.specialty")
    if not (len(specialty) == 2 and specialty.isdigit()):
        raise InputError("practitioner.specialty", "code spécialité CNAM à deux chiffres attendu")
    return specialty


def read_sector(obj: Mapping[str, Any]) -> Sector:
    """``practitioner.sector`` of ``obj`` (the practitioner object)."""
    sector_text = _text(obj, "sector", "practitioner.sector")
    try:
        return Sector(sector_text.upper())
    except ValueError:
        raise InputError("practitioner.sector", 'valeur attendue : "1", "1DP" ou "2"') from None


def _practitioner(obj: Mapping[str, Any]) -> Practitioner:
    specialty = read_specialty(obj)
    sector = read_sector(obj)
    zone = read_zone(obj)
    return Practitioner(
        specialty=specialty,
        sector=sector,
        optam=_bool(obj, "optam", "practitioner.optam"),
        is_treating_doctor=_bool(obj, "is_treating_doctor", "practitioner.is_treating_doctor"),
        zone=zone,
    )


def read_zone(obj: Mapping[str, Any]) -> str:
    """``practitioner.zone`` of ``obj`` (métropole when absent)."""
    zone = obj.get("zone", "metropole")
    if zone is None:
        zone = "metropole"
    if not isinstance(zone, str) or zone not in ZONES:
        raise InputError("practitioner.zone", "zone attendue : " + ", ".join(ZONES))
    return zone


def _patient(obj: Mapping[str, Any], on: date) -> Patient:
    birth = check_birth(_date(obj, "birth_date", "patient.birth_date"), on)
    return Patient(
        birth_date=birth,
        ald=_bool(obj, "ald", "patient.ald"),
        c2s=_bool(obj, "c2s", "patient.c2s"),
        maternity=_bool(obj, "maternity", "patient.maternity"),
        at_mp=_bool(obj, "at_mp", "patient.at_mp"),
        care_pathway=read_care_pathway(obj),
    )


def check_birth(birth: date, on: date) -> date:
    """``birth`` unless it is after the date of care ``on``."""
    if birth > on:
        raise InputError("patient.birth_date", "date de naissance postérieure à la date des soins")
    return birth


def read_flag(obj: Mapping[str, Any], name: str, field: str) -> bool:
    """A boolean of the contract (false when absent or null)."""
    return _bool(obj, name, field)


def read_care_pathway(obj: Mapping[str, Any]) -> CarePathway:
    """``patient.care_pathway`` of ``obj`` (the patient object; « in » when absent)."""
    pathway_raw = obj.get("care_pathway", "in")
    if pathway_raw is None:
        pathway_raw = "in"
    try:
        return CarePathway(pathway_raw)
    except ValueError:
        raise InputError(
            "patient.care_pathway",
            'valeur attendue : "in", "out", "direct_access" ou "emergency"',
        ) from None


def _act(obj: Mapping[str, Any], field: str) -> Act:
    code = _text(obj, "code", f"{field}.code").upper()
    coefficient = _decimal(obj.get("coefficient", "1"), f"{field}.coefficient")
    if coefficient <= 0:
        raise InputError(f"{field}.coefficient", "coefficient strictement positif attendu")
    if coefficient > MAX_COEFFICIENT:
        raise InputError(f"{field}.coefficient", f"coefficient d'au plus {MAX_COEFFICIENT} attendu")
    return Act(
        code=code,
        quantity=_quantity(obj, f"{field}.quantity"),
        coefficient=coefficient,
        requested_practitioner=_optional_text(
            obj, "requested_practitioner", f"{field}.requested_practitioner"
        ),
    )


def _overrun(obj: Mapping[str, Any]) -> Overrun:
    kind_raw = _required(obj, "kind", "overrun")
    try:
        kind = OverrunKind(kind_raw)
    except ValueError:
        raise InputError("overrun.kind", "valeur attendue : DE, DA, DP ou ED") from None
    amount = _decimal(_required(obj, "amount", "overrun"), "overrun.amount")
    if amount <= 0:
        raise InputError("overrun.amount", "montant strictement positif attendu")
    if amount > MAX_AMOUNT:
        raise InputError("overrun.amount", f"montant d'au plus {MAX_AMOUNT} attendu")
    if amount != amount.quantize(Decimal("0.01")):
        raise InputError("overrun.amount", "montant au centime près attendu")
    return Overrun(kind, amount)


def _history(obj: Mapping[str, Any], field: str) -> HistoryEntry:
    return HistoryEntry(
        date=_date(obj, "date", f"{field}.date"),
        code=_text(obj, "code", f"{field}.code").upper(),
        quantity=_quantity(obj, f"{field}.quantity"),
        requested_practitioner=_optional_text(
            obj, "requested_practitioner", f"{field}.requested_practitioner"
        ),
    )
