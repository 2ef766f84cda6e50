"""The simulated AMC's online engagement over real HTTPS with client certificates, as the
client asks it: granted with an agreement number, refused with each reason, garbage and an
AMC that does not answer said in French; nothing is sent to an AMC without a convention."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from amc_support import amc_server, amc_settings, free_port, now

from billing.referential import Referential
from client.amc.engagement import OnlineEngagement
from client.amc.transport import AmcError, AmcTransport, EngagementQuery
from client.store import open_store
from client.store.amc_lots import EngagementOutcome
from testbed.amc.server import AmcFault


def _query(amc: str, member: str, service: str = "CON") -> EngagementQuery:
    return EngagementQuery(
        amc=amc,
        member=member,
        care_date=date.today(),
        service=service,
        amount=Decimal("9.00"),
        practitioner="12345678",
    )


def test_the_amc_grants_an_engagement_for_a_covered_member(tmp_path: Path) -> None:
    with amc_server(tmp_path / "amc.sqlite") as amc:
        transport = AmcTransport(amc_settings(amc.url))
        try:
            separee = transport.engage(_query("44300002", "A-5530917"))
            unique = transport.engage(_query("77500001", "M00782211", "TEC"))
        finally:
            transport.close()
        assert separee.granted and separee.number.startswith("ENG44300002")
        assert separee.gestion == "separee"
        assert unique.granted and unique.gestion == "unique"
        assert separee.number != unique.number
        assert amc.ledger.summary()["engagements"] == 2


@pytest.mark.parametrize(
    ("amc_number", "member", "service", "motif", "words"),
    [
        ("44300002", "INCONNU-1", "CON", "adherent-inconnu", "adhérent inconnu"),
        ("31234567", "000770145", "CON", "contrat-expire", "contrat non valide"),
        ("60000003", "BL-00921", "CON", "sans-tiers-payant", "ne prévoit pas le tiers payant"),
        ("77500001", "M00782211", "PHA", "acte-non-couvert", "pas couverts"),
    ],
)
def test_each_refusal_comes_with_its_reason(
    tmp_path: Path, amc_number: str, member: str, service: str, motif: str, words: str
) -> None:
    with amc_server(tmp_path / "amc.sqlite") as amc:
        transport = AmcTransport(amc_settings(amc.url))
        try:
            answer = transport.engage(_query(amc_number, member, service))
        finally:
            transport.close()
    assert not answer.granted
    assert answer.motif == motif
    assert words in answer.label


def test_garbage_from_the_amc_is_said_in_french(tmp_path: Path) -> None:
    with amc_server(tmp_path / "amc.sqlite") as amc:
        amc.faults.add(AmcFault.GARBAGE)
        transport = AmcTransport(amc_settings(amc.url))
        try:
            with pytest.raises(AmcError) as caught:
                transport.engage(_query("44300002", "A-5530917"))
        finally:
            transport.close()
    assert "illisible" in str(caught.value)
    assert caught.value.retryable


def test_an_amc_that_does_not_answer_is_said_unreachable(tmp_path: Path) -> None:
    transport = AmcTransport(amc_settings(f"https://127.0.0.1:{free_port()}", connect_timeout=1.0))
    try:
        with pytest.raises(AmcError) as caught:
            transport.engage(_query("44300002", "A-5530917"))
    finally:
        transport.close()
    assert "ne répond pas" in str(caught.value)


def test_without_a_convention_nothing_is_sent_and_the_patient_pays(tmp_path: Path) -> None:
    store = open_store(tmp_path / "sesam.db")
    try:
        with amc_server(tmp_path / "amc.sqlite") as amc:
            gate = OnlineEngagement(
                store, AmcTransport(amc_settings(amc.url)), Referential.load_default()
            )
            # 44300002 has a convention (the seed); remove it: the cabinet has none now.
            assert store.amc_conventions.remove_convention("44300002")
            result = gate.ask(_query("44300002", "A-5530917"), "123456789", now())
            assert amc.ledger.summary()["engagements"] == 0  # nothing reached the AMC
            assert amc.ledger.summary()["refusals"] == 0
        assert not result.tiers_payant_amc
        assert result.outcome is EngagementOutcome.NO_CONVENTION
        assert "Pas de convention" in result.notice and "règle la part" in result.notice
        kept = store.amc_lots.engagements()
        assert [e.outcome for e in kept] == [EngagementOutcome.NO_CONVENTION]
    finally:
        store.close()
