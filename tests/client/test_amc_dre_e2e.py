"""The AMC tiers payant end to end, cards emulated in-process (as ``am_support``), the real
pricing, the real Vitale certification and CPS signature, the real SQLite store and the
simulated AMC over real HTTPS with client certificates: the engagement before securing, the
DRE lot of gestion séparée and its returns; gestion unique sends nothing to the AMC; a
refused or unreachable AMC leaves the AMC part to the patient; a DRE made offline leaves
when the AMC is back, counted once; bad returns change nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from am_support import FakeClock, open_cabinet
from amc_support import PAY_ALL, amc_server, amc_settings, create_tp_fse, free_port

from billing.audit import AuditKind
from billing.referential import Referential
from client.amc.dre import build_dre_lots, send_dre_lots
from client.amc.engagement import OnlineEngagement
from client.amc.returns import AmcReturnError, fetch_returns
from client.amc.transport import AmcError, AmcTransport
from client.fse_service import FseService
from client.store import Store, open_store
from client.store.amc_lots import DreStatus, EngagementOutcome
from testbed.amc.members import Members
from testbed.amc.payments import AmcPolicy, Fate
from testbed.amc.server import AmcFault


def _gate(store: Store, url: str) -> OnlineEngagement:
    return OnlineEngagement(store, AmcTransport(amc_settings(url)), Referential.load_default())


def _close_and_build(store: Store, cabinet, clock: FakeClock) -> list[str]:
    FseService(store, clock=clock).close_lots(cabinet.signer, cabinet.cps, all_lots=True)
    ids = {s.billing_number + s.billing_key for s in cabinet.cps.situations}
    return build_dre_lots(store, cabinet.signer, ids, clock)


def test_gestion_separee_engagement_dre_lot_and_payment(store: Store, tmp_path: Path) -> None:
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    clock = FakeClock()
    with amc_server(tmp_path / "amc.sqlite") as amc:
        row, service = create_tp_fse(store, cabinet, _gate(store, amc.url))
        result = service.last_amc
        assert result is not None and result.outcome is EngagementOutcome.GRANTED
        assert row.tiers_payant_amc and row.amc > 0
        # The agreement number travels in the FSE the caisse receives.
        document = json.loads(store.fse_by_number(row.number).canonical)
        assert document["body"]["coverage"]["amc_engagement"] == result.engagement

        built = _close_and_build(store, cabinet, clock)
        assert len(built) == 1
        assert _close_and_build(store, cabinet, clock) == []  # one DRE per FSE, ever
        settings = amc_settings(amc.url)
        transport = AmcTransport(settings)
        try:
            report = send_dre_lots(store, transport, settings, clock)
            assert report.acknowledged == 1
            (lot,) = store.amc_lots.dre_lots()
            assert lot.status is DreStatus.ACKNOWLEDGED
            assert lot.total_amc == row.amc
            returns = fetch_returns(store, transport, clock)
        finally:
            transport.close()
    assert (returns.paid, returns.rejected) == (1, 0)
    (payment,) = store.amc_lots.payments()
    assert payment.fse_uuid == row.fse_uuid and payment.paid_amc == row.amc
    journal = [e for e in store.audit_entries() if e.kind == AuditKind.AMC_PAYMENT.value]
    assert len(journal) == 1 and journal[0].fse_id == row.fse_uuid
    assert store.audit_verify().breach is None


def test_gestion_unique_sends_nothing_to_the_amc(store: Store, tmp_path: Path) -> None:
    cabinet = open_cabinet(vitale="vitale-amc-unique")
    with amc_server(tmp_path / "amc.sqlite") as amc:
        row, service = create_tp_fse(store, cabinet, _gate(store, amc.url))
        assert service.last_amc is not None and service.last_amc.gestion == "unique"
        assert row.tiers_payant_amc
        assert _close_and_build(store, cabinet, FakeClock()) == []
        assert amc.ledger.summary()["dre_lots"] == 0


def test_a_refusal_leaves_the_amc_part_to_the_patient(store: Store, tmp_path: Path) -> None:
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    path = tmp_path / "amc.sqlite"
    with amc_server(path) as amc:
        amc.members = Members([])  # the AMC no longer knows this member
        row, service = create_tp_fse(store, cabinet, _gate(store, amc.url))
    assert service.last_amc is not None
    assert service.last_amc.outcome is EngagementOutcome.REFUSED
    assert "refuse le tiers payant" in service.last_amc.notice
    assert not row.tiers_payant_amc and row.tiers_payant_amo
    assert _close_and_build(store, cabinet, FakeClock()) == []


def test_an_unreachable_amc_leaves_the_amc_part_to_the_patient(store: Store) -> None:
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    row, service = create_tp_fse(store, cabinet, _gate(store, f"https://127.0.0.1:{free_port()}"))
    assert service.last_amc is not None
    assert service.last_amc.outcome is EngagementOutcome.UNREACHABLE
    assert "injoignable" in service.last_amc.notice
    assert not row.tiers_payant_amc
    (kept,) = store.amc_lots.engagements()
    assert kept.outcome is EngagementOutcome.UNREACHABLE and kept.fse_uuid is None


def test_a_dre_lot_made_offline_leaves_when_the_amc_is_back(store: Store, tmp_path: Path) -> None:
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    clock = FakeClock()
    port = free_port()
    path = tmp_path / "amc.sqlite"
    with amc_server(path, port=port):
        create_tp_fse(store, cabinet, _gate(store, f"https://127.0.0.1:{port}"))
    assert len(_close_and_build(store, cabinet, clock)) == 1
    settings = amc_settings(f"https://127.0.0.1:{port}", connect_timeout=1.0)
    down = AmcTransport(settings)
    report = send_dre_lots(store, down, settings, clock)
    down.close()
    assert report.retry == 1 and "ne répond pas" in report.last_error
    (lot,) = store.amc_lots.dre_lots()
    assert lot.status is DreStatus.PENDING and lot.attempts == 1
    assert send_dre_lots(store, down, settings, clock).retry == 0  # not due yet: backoff
    clock.advance(settings.backoff_cap + 1)
    with amc_server(path, port=port) as amc:
        up = AmcTransport(settings)
        try:
            assert send_dre_lots(store, up, settings, clock).acknowledged == 1
            assert send_dre_lots(store, up, settings, clock).acknowledged == 0
        finally:
            up.close()
        assert amc.ledger.summary()["receptions"] == 1
        assert amc.ledger.summary()["dre_items"] == 1


def _paid_separee(store: Store, tmp_path: Path, amc) -> None:
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    clock = FakeClock()
    create_tp_fse(store, cabinet, _gate(store, amc.url))
    _close_and_build(store, cabinet, clock)
    settings = amc_settings(amc.url)
    transport = AmcTransport(settings)
    try:
        assert send_dre_lots(store, transport, settings, clock).acknowledged == 1
    finally:
        transport.close()


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        (AmcFault.DUPLICATE_RETURN, AmcReturnError, "Paiement en double"),
        (AmcFault.UNKNOWN_FSE, AmcReturnError, "FSE inconnue ici"),
        (AmcFault.GARBAGE, AmcError, "illisible"),
    ],
)
def test_bad_returns_from_the_amc_change_nothing(
    store: Store, tmp_path: Path, fault: AmcFault, error: type[Exception], words: str
) -> None:
    with amc_server(tmp_path / "amc.sqlite") as amc:
        _paid_separee(store, tmp_path, amc)
        before = len(store.audit_entries())
        amc.faults.add(fault)
        transport = AmcTransport(amc_settings(amc.url))
        try:
            with pytest.raises(error) as caught:
                fetch_returns(store, transport, FakeClock())
        finally:
            transport.close()
    assert words in str(caught.value)
    assert store.amc_lots.payments() == []
    assert store.amc_lots.feed_cursor() == 0
    assert len(store.audit_entries()) == before


def test_the_amc_pays_late_a_different_amount_or_rejects(store: Store, tmp_path: Path) -> None:
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    clock = FakeClock()
    with amc_server(tmp_path / "amc.sqlite", policy=PAY_ALL) as amc:
        rows = [create_tp_fse(store, cabinet, _gate(store, amc.url))[0] for _ in range(3)]
        amc.policy = AmcPolicy(
            forced=(
                (rows[0].fse_uuid, Fate.LATE),
                (rows[1].fse_uuid, Fate.PARTLY_PAID),
                (rows[2].fse_uuid, Fate.REJECTED),
            ),
            late_days=45,
        )
        _close_and_build(store, cabinet, clock)
        settings = amc_settings(amc.url)
        transport = AmcTransport(settings)
        try:
            send_dre_lots(store, transport, settings, clock)
            first = fetch_returns(store, transport, clock)
            assert (first.paid, first.partly_paid, first.rejected) == (0, 1, 1)
            amc.clock = lambda: clock.now + timedelta(days=46)  # the late one comes in
            second = fetch_returns(store, transport, clock)
            assert (second.paid, second.partly_paid, second.rejected) == (1, 0, 0)
        finally:
            transport.close()
    by_fse = {p.fse_uuid: p for p in store.amc_lots.payments()}
    assert by_fse[rows[0].fse_uuid].paid_on > clock.now.date() + timedelta(days=30)
    assert Decimal(0) < by_fse[rows[1].fse_uuid].paid_amc < rows[1].amc
    assert by_fse[rows[1].fse_uuid].motif_code.startswith("P")
    rejected = by_fse[rows[2].fse_uuid]
    assert rejected.outcome == "rejete" and rejected.paid_amc == 0 and rejected.motif_label


def test_the_desks_sender_sends_the_dre_lots_after_the_fse_lots(tmp_path: Path) -> None:
    from client.fake_transport import InProcessTransport
    from client.sender import SenderThread

    path = tmp_path / "sesam.db"
    store = open_store(path)
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    clock = FakeClock()
    try:
        with amc_server(tmp_path / "amc.sqlite") as amc:
            create_tp_fse(store, cabinet, _gate(store, amc.url))
            assert len(_close_and_build(store, cabinet, clock)) == 1
            concentrator = InProcessTransport()
            sender = SenderThread(
                lambda: open_store(path),
                lambda: concentrator,
                settings=amc_settings(amc.url),
                clock=clock,
            )
            sender.start()
            sender.join(60)
            assert len(concentrator.sent) == 1  # the FSE lot to the caisse
            (lot,) = store.amc_lots.dre_lots()
            assert lot.status is DreStatus.ACKNOWLEDGED  # and the DRE lot to the AMC
            assert amc.ledger.summary()["dre_items"] == 1
    finally:
        store.close()
