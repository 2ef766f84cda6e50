"""The téléconsultation rules (``billing/tariffs/teleconsultation.json``): TC2 only in a
téléconsultation [002 L2089]; a consultation done at a distance is priced as at the desk
(the seeds give no téléconsultation tariff of its own)."""

from __future__ import annotations

from datetime import date, timedelta

from pricing_support import referential

from billing.price_io import parse_request
from billing.pricing import price
from billing.rules.codes import ErrorCode


def request(code: str, specialty: str, teleconsultation: bool | None) -> dict[str, object]:
    doc: dict[str, object] = {
        "date_of_care": (date.today() - timedelta(days=1)).isoformat(),
        "practitioner": {"specialty": specialty, "sector": "1", "is_treating_doctor": True},
        "patient": {"birth_date": "1980-05-01", "care_pathway": "in"},
        "acts": [{"code": code}],
    }
    if teleconsultation is not None:
        doc["teleconsultation"] = teleconsultation
    return doc


def codes(doc: dict[str, object]) -> set[ErrorCode]:
    return {e.code for e in price(parse_request(doc), referential()).errors}


def test_tc2_is_billed_only_in_a_teleconsultation() -> None:
    at_the_desk = price(parse_request(request("TC2", "33", None)), referential())
    refused = [e for e in at_the_desk.errors if e.code is ErrorCode.TELECONSULTATION]
    assert refused and "ne se facture qu'en téléconsultation" in refused[0].message
    assert ErrorCode.TELECONSULTATION not in codes(request("TC2", "33", True))


def test_a_consultation_at_a_distance_is_priced_as_at_the_desk() -> None:
    remote = price(parse_request(request("G", "01", True)), referential())
    desk = price(parse_request(request("G", "01", False)), referential())
    assert remote.valid and remote.total_fees == desk.total_fees and remote.amo == desk.amo
