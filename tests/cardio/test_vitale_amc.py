"""The complémentaire written on the carte Vitale: n° AMC, contract, validity, gestion and
the tiers payant services, read from the emulated cards of the AMC profiles."""

from __future__ import annotations

import datetime as dt
import sys

import pytest

from cardio import layout, tlv
from cardio.errors import MalformedResponseError
from cardio.vitale import VitaleReader
from cardio.vitale_parse import _parse_rights
from cardio.vitale_values import AmcGestion, AmcService
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card

TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def _today_when_the_test_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The day the test runs, not the day the module was collected: a run can cross
    midnight, and the code under test asks for today when it runs."""
    monkeypatch.setattr(sys.modules[__name__], "TODAY", dt.date.today())


def _amc_of(profile: str):  # type: ignore[no-untyped-def]
    card = VitaleReader(EmulatedConnection(make_card(profile))).read()
    return card.beneficiaries[0].rights.amc, card.beneficiaries[0].rights_at(TODAY).amc


def test_gestion_unique_contract_is_read_with_its_services() -> None:
    amc, open_today = _amc_of("vitale-amc-unique")
    assert amc is not None and open_today == amc
    assert amc.organism == "77500001" and amc.member_number == "M00782211"
    assert amc.contract_type == "RESP150" and amc.gestion is AmcGestion.UNIQUE
    assert amc.tiers_payant_for(AmcService.CONSULTATIONS)
    assert amc.tiers_payant_for(AmcService.DENTAIRE)
    assert not amc.tiers_payant_for(AmcService.PHARMACIE)  # not among the card's services


def test_gestion_separee_contract_is_read() -> None:
    amc, _ = _amc_of("vitale-amc-separee")
    assert amc is not None and amc.gestion is AmcGestion.SEPAREE
    assert amc.contract_type == "RESP200" and amc.tiers_payant


def test_expired_contract_is_on_the_card_but_not_open_today() -> None:
    amc, open_today = _amc_of("vitale-amc-expiree")
    assert amc is not None and amc.end is not None and amc.end < TODAY
    assert open_today is None


def test_contract_without_tiers_payant_allows_it_for_nothing() -> None:
    amc, _ = _amc_of("vitale-amc-sans-tp")
    assert amc is not None and not amc.tiers_payant
    assert not any(amc.tiers_payant_for(s) for s in AmcService)


def test_older_cards_without_the_new_tags_read_as_separee_for_every_service() -> None:
    fields = (
        tlv.encode(layout.TAG_AMC_ORGANISM, "31234567")
        + tlv.encode(layout.TAG_AMC_START, "20260101")
        + tlv.encode(layout.TAG_AMC_TIERS_PAYANT, "1")
    )
    rights = _parse_rights(list(tlv.decode(tlv.encode(layout.TAG_AMC, fields))), "test")
    assert rights.amc is not None and rights.amc.gestion is AmcGestion.SEPAREE
    assert all(rights.amc.tiers_payant_for(s) for s in AmcService)


@pytest.mark.parametrize(
    ("tag", "value"), [(layout.TAG_AMC_GESTION, "X"), (layout.TAG_AMC_TP_SERVICES, "CON,ZZZ")]
)
def test_unknown_gestion_or_service_is_a_malformed_card(tag: int, value: str) -> None:
    fields = (
        tlv.encode(layout.TAG_AMC_ORGANISM, "31234567")
        + tlv.encode(layout.TAG_AMC_START, "20260101")
        + tlv.encode(tag, value)
    )
    with pytest.raises(MalformedResponseError, match="AMC"):
        _parse_rights(list(tlv.decode(tlv.encode(layout.TAG_AMC, fields))), "test")
