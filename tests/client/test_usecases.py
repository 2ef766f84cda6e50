"""The application's use cases (``client.usecases``) driven without Qt: a context with an
injected transport, FSE made through the FSE service, and what the pages would show."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from am_support import CARE_DATE, FakeClock, client_settings, create_fse, open_cabinet

from billing.fse_states import FseState
from client import desk
from client.adri import RightsNotFoundError
from client.context import AppContext, build_context
from client.fake_transport import InProcessTransport
from client.store import open_store
from client.usecases import lots, payments, rights, scor, securing, views
from client.usecases.views import DashboardView, QueueView


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    ctx = build_context(
        client_settings("https://127.0.0.1:1"),
        data_dir=tmp_path / "data",
        use_pcsc=False,
        transport=InProcessTransport(),
    )
    yield ctx
    ctx.close()


def seed(ctx: AppContext, count: int) -> list[str]:
    """``count`` FSE secured Vitale, in open lots; their uuids."""
    store = open_store(ctx.store_path)
    try:
        return [row.fse_uuid for row in create_fse(store, open_cabinet(), count, FakeClock())]
    finally:
        store.close()


def test_the_queue_view_counts_everything_and_reads_one_page(ctx: AppContext) -> None:
    seed(ctx, 3)
    view = views.load_queue(ctx, first_page=2)
    assert isinstance(view, QueueView)
    assert len(view.fse) == 2 and view.lot_count == len(view.lots) == 1
    assert view.unmatched == [] and view.unmatched_count == 0 and view.drafts == []
    assert len(views.fse_page(ctx, 2, 2)) == 1  # the rest, as the list scrolls
    assert views.lot_page(ctx, 1, 10) == []
    assert views.unmatched_page(ctx, 0, 10) == []


def test_the_dashboard_view_holds_the_figures_and_the_alerts(ctx: AppContext) -> None:
    seed(ctx, 2)
    view = views.load_dashboard(ctx, months=3)
    assert isinstance(view, DashboardView)
    assert len(view.months) == len(view.billed) == len(view.rejects_by_month) == 3
    assert view.fse_count == 2 and isinstance(view.alerts, list)


def test_lots_are_signed_with_the_cps_then_sent_and_the_returns_fetched(ctx: AppContext) -> None:
    seed(ctx, 2)
    cabinet = open_cabinet()
    assert lots.gap_alerts(ctx) == []
    assert lots.close_lots(ctx, cabinet.cps, cabinet.signer) == 1
    assert lots.close_lots(ctx, cabinet.cps, cabinet.signer) == 0  # nothing left open
    fetched = payments.fetch_returns(ctx)
    assert fetched.arls.applied >= 0 and isinstance(fetched.reports, list)


def test_one_fse_cancelled_and_its_documents_written(ctx: AppContext) -> None:
    first, second = seed(ctx, 2)
    duplicata = payments.duplicata_by_uuid(ctx, first, "perte")
    sheet = payments.feuille_de_soins_by_uuid(ctx, first)
    for path in (duplicata, sheet):
        assert path.parent == ctx.data_dir / "documents"
        assert path.read_bytes().startswith(b"%PDF")
        assert path.stat().st_mode & 0o077 == 0  # health data: the user's only
    assert payments.cancel_by_uuid(ctx, second).state is FseState.CANCELLED
    status = payments.euro_status_by_uuid(ctx, first)
    assert status.fse_uuid == first


def test_the_scor_view_is_empty_without_degrade_fse(ctx: AppContext) -> None:
    seed(ctx, 1)
    view = scor.load_scor(ctx)
    assert (view.waiting, view.waiting_count, view.records, view.record_count) == ([], 0, [], 0)
    assert scor.scor_waiting_page(ctx, 0, 10) == [] and scor.scor_records_page(ctx, 0, 10) == []


def test_pricing_reads_the_patients_history_and_what_he_had_that_day(ctx: AppContext) -> None:
    seed(ctx, 1)  # a G for the first bénéficiaire of the card, on CARE_DATE
    card = open_cabinet().vitale.card
    person = card.beneficiaries[0]
    patient = desk.InvoicePatient(desk.PatientSource.VITALE, person, card, "Lecteur A")
    bill = desk.Invoice(patient, CARE_DATE, (desk.InvoiceAct("G"),))
    assert securing.codes_billed_on(ctx, bill) == {"G"}
    assert securing.codes_billed_on(ctx, replace(bill, care_date=CARE_DATE + timedelta(1))) == set()
    priced = securing.price(ctx, bill)
    assert priced.total_fees > 0 and [line.code for line in priced.lines] == ["G"]


def test_adri_answers_seen_like_a_beneficiary(ctx: AppContext) -> None:
    with pytest.raises(RightsNotFoundError):
        rights.query_adri(ctx, "1800175123456" + "12", "19800101", "1", CARE_DATE)
