"""The AMC's engagement asked before the database work (issue #23, ``client.amc.ahead``):
the query is prepared on the desk's database thread, the simulated AMC is asked over real
HTTPS on another thread while the database thread stays free (progress said), then the FSE
is secured on the real store with that answer — the agreement number in the FSE, the AMC
asked once, the engagement kept and linked; an AMC unreachable or a bill changed in between
leaves the AMC part to the patient."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from am_support import client_settings, open_cabinet
from amc_support import amc_server, amc_settings, free_port

from billing.referential import Referential
from client.amc.ahead import NOT_ASKED, ask_ahead, engagement_ahead
from client.amc.engagement import OnlineEngagement
from client.amc.transport import EngagementAnswer, EngagementQuery, Engager
from client.context import AppContext, build_context
from client.fake_transport import InProcessTransport
from client.fse_service import FseInput, FseService, parse_fse_input
from client.labels import AMC_ASKING
from client.store import Store
from client.store.amc_lots import EngagementOutcome

REF = Referential.load_default()


def _request() -> FseInput:
    from am_support import CARE_DATE

    return parse_fse_input(
        {
            "date_of_care": CARE_DATE.isoformat(),
            "practitioner": {},
            "patient": {},
            "acts": [{"code": "G"}],
            "beneficiary": 0,
            "tiers_payant": {"amo": True, "amc": True},
        }
    )


def _query(store: Store, cabinet: object, request: FseInput) -> EngagementQuery | None:
    preparing = FseService(store, REF, amc_gate=OnlineEngagement(store, NOT_ASKED, REF))
    return preparing.amc_query(request, cabinet.cps, cabinet.vitale)  # type: ignore[attr-defined]


def _secure(store: Store, cabinet: object, request: FseInput, api: Engager) -> FseService:
    service = FseService(store, REF, amc_gate=OnlineEngagement(store, api, REF))
    service.create(request, cabinet.cps, cabinet.vitale)  # type: ignore[attr-defined]
    return service


def test_the_amc_agreement_asked_ahead_is_the_one_in_the_fse(store: Store, tmp_path: Path) -> None:
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    request = _request()
    with amc_server(tmp_path / "amc.sqlite") as amc:
        query = _query(store, cabinet, request)
        assert query is not None and query.amount > 0
        assert store.amc_lots.engagements() == []  # preparing keeps nothing
        assert store.fse_list() == []
        asked = ask_ahead(OnlineEngagement.network(amc_settings(amc.url)), query)
        service = _secure(store, cabinet, request, asked)
        assert amc.ledger.engagement_count() == 1  # asked once, ahead
    result = service.last_amc
    assert result is not None and result.outcome is EngagementOutcome.GRANTED
    (row,) = store.fse_list()
    assert row.tiers_payant_amc and row.amc == query.amount
    document = json.loads(store.fse_by_number(row.number).canonical)
    assert document["body"]["coverage"]["amc_engagement"] == result.engagement
    (kept,) = store.amc_lots.engagements()
    assert kept.outcome is EngagementOutcome.GRANTED and kept.fse_uuid == row.fse_uuid


def test_an_amc_unreachable_ahead_leaves_its_part_to_the_patient(store: Store) -> None:
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    request = _request()
    query = _query(store, cabinet, request)
    assert query is not None
    down = amc_settings(f"https://127.0.0.1:{free_port()}")
    service = _secure(store, cabinet, request, ask_ahead(OnlineEngagement.network(down), query))
    assert service.last_amc is not None
    assert service.last_amc.outcome is EngagementOutcome.UNREACHABLE
    assert "injoignable" in service.last_amc.notice
    (row,) = store.fse_list()
    assert not row.tiers_payant_amc and row.tiers_payant_amo
    (kept,) = store.amc_lots.engagements()
    assert kept.outcome is EngagementOutcome.UNREACHABLE


def test_a_bill_changed_after_the_agreement_is_not_covered_by_it(store: Store) -> None:
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    request = _request()
    query = _query(store, cabinet, request)
    assert query is not None
    granted = EngagementAnswer(True, number="ENG-1", gestion="separee")
    other = replace(query, amount=query.amount + 1)  # agreed for another amount
    service = _secure(store, cabinet, request, ask_ahead(_Answering(granted), other))
    assert service.last_amc is not None and not service.last_amc.tiers_payant_amc
    assert "a changé" in service.last_amc.notice
    (row,) = store.fse_list()
    assert not row.tiers_payant_amc


class _Answering:
    def __init__(self, answer: EngagementAnswer) -> None:
        self.answer = answer

    def engage(self, query: EngagementQuery) -> EngagementAnswer:
        return self.answer


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    made = build_context(
        client_settings("https://127.0.0.1:1"),
        data_dir=tmp_path / "data",
        use_pcsc=False,
        transport=InProcessTransport(),
    )
    yield made
    made.close()


def test_the_database_thread_is_free_while_the_amc_is_asked(
    ctx: AppContext, tmp_path: Path
) -> None:
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    request = _request()
    said: list[str] = []
    threads: list[str] = []

    def progress(text: str) -> None:
        said.append(text)
        # The screen's other work goes on meanwhile: the database thread answers at once.
        assert ctx.db.submit(lambda s: s.fse_list()).result(timeout=5) == []

    with amc_server(tmp_path / "amc.sqlite") as amc:
        network = OnlineEngagement.network(amc_settings(amc.url))

        class Watched:
            def engage(self, query: EngagementQuery) -> EngagementAnswer:
                threads.append(threading.current_thread().name)
                return network.engage(query)

        asked = engagement_ahead(ctx.db, lambda s: _query(s, cabinet, request), Watched(), progress)
        service = ctx.db.submit(lambda s: _secure(s, cabinet, request, asked)).result()
    assert said == [AMC_ASKING]
    assert threads and not threads[0].startswith("db")
    assert service.last_amc is not None
    assert service.last_amc.outcome is EngagementOutcome.GRANTED
