"""Every euro has a status (issue #20): a partial payment and a reject from a real NOEMIE
import show each part's status, the amount missing and the motif in words; they raise
alerts until the user closes the remainder (loss or claim); the dashboard counts them; a
closure edited by plain SQL is caught by ``audit verify``; ``sesam returns close|status``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from am_support import FakeClock, close_lots, create_fse
from store_attacker import attacker
from test_replay_e2e import sesam

from billing.arl import Arl, ArlStatus
from billing.fse_states import FseState
from billing.money_text import euros
from billing.noemie import (
    PAYMENT_MOTIFS,
    REJECT_MOTIFS,
    InvoiceOutcome,
    MalformedNoemieError,
    NoemieFile,
    NoemieInvoice,
    NoemiePayment,
    NoemieRejects,
    build_noemie,
    parse_noemie,
)
from billing.working_days import add_working_days
from client import alerts as alerts_module
from client import dashboard, remainders
from client.alerts import AlertKind, compute_alerts
from client.euro_status import Part, PartStatus, euro_status, status_lines
from client.remainders import (
    ClosureMotif,
    NothingToCloseError,
    close_remainder,
    open_remainders,
    remainder_totals,
)
from client.returns import apply_arl, import_noemie
from client.settings import Settings
from client.store import FseRow, Store, open_store
from testbed.am.noemie_gen import Fate, ReturnPolicy

CUT = Decimal("1.90")  # what the caisse did not pay of the partly paid FSE's AMO part


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "sesam.db"


def _returned(store: Store, cabinet, clock: FakeClock) -> list[FseRow]:  # type: ignore[no-untyped-def]
    """4 FSE Vitale accepted today; a NOEMIE file pays the first in full, the second
    1,90 € short on AMO (motif S01), rejects the third (R02); the fourth waits."""
    rows = create_fse(store, cabinet, 4, clock)
    (lot_id,) = close_lots(store, cabinet, clock)
    arl = Arl(f"ARL-{lot_id[:8]}", lot_id, ArlStatus.POSITIVE, clock(), 4, ())
    apply_arl(store, arl, clock())
    paid, partial, rejected = rows[:3]
    today = clock().date()

    def invoice(row: FseRow, **kw: object) -> NoemieInvoice:
        return NoemieInvoice(row.fse_uuid, lot_id, row.care_date, **kw)  # type: ignore[arg-type]

    noemie = NoemieFile(
        "AMSIMUL01",
        "123456789",
        7,
        today,
        payments=(
            NoemiePayment(
                "VIR7",
                today,
                (
                    invoice(
                        paid, outcome=InvoiceOutcome.PAID, paid_amo=paid.amo, paid_amc=paid.amc
                    ),
                    invoice(
                        partial,
                        outcome=InvoiceOutcome.PAID,
                        paid_amo=partial.amo - CUT,
                        paid_amc=partial.amc,
                        motif_code="S01",
                        motif_label=PAYMENT_MOTIFS["S01"],
                    ),
                ),
            ),
        ),
        rejects=(
            NoemieRejects(
                today,
                (
                    invoice(
                        rejected,
                        outcome=InvoiceOutcome.REJECTED,
                        motif_code="R02",
                        motif_label=REJECT_MOTIFS["R02"],
                    ),
                ),
            ),
        ),
    )
    report = import_noemie(store, build_noemie(noemie), clock(), name="RSP7")
    assert (report.paid, report.partly_paid, report.rejected) == (1, 1, 1)
    return [store.fse_by_uuid(r.fse_uuid) for r in rows]


def test_each_part_has_its_status_in_words(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    paid, partial, rejected, waiting = _returned(store, cabinet, clock)
    store.record_settlement(paid.id, "especes", paid.patient_remainder, clock())
    settings = Settings()
    now = clock()

    full = euro_status(store, paid, settings, now)
    assert [p.status for p in full.parts] == [
        PartStatus.PAID,
        PartStatus.PAID if paid.amc > 0 else PartStatus.NONE,  # no AMC: nothing billed to it
        PartStatus.COLLECTED if paid.patient_remainder > 0 else PartStatus.NONE,
    ]
    assert full.missing == Decimal("0.00")

    short = euro_status(store, partial, settings, now)
    amo = short.part(Part.AMO)
    assert amo.status is PartStatus.PARTLY_PAID
    assert (amo.billed, amo.paid, amo.missing) == (partial.amo, partial.amo - CUT, CUT)
    assert amo.motif == PAYMENT_MOTIFS["S01"]  # the motif in words, not a code
    assert "1,90\u00a0€ non payés" in amo.text and PAYMENT_MOTIFS["S01"] in amo.text
    assert short.part(Part.AMC).status in (PartStatus.PAID, PartStatus.NONE)
    assert short.missing == CUT
    # No settlement recorded at the desk for this one (the CLI does not record any).
    patient = short.part(Part.PATIENT)
    assert patient.status in (PartStatus.NOT_RECORDED, PartStatus.NONE)

    refused = euro_status(store, rejected, settings, now)
    assert refused.part(Part.AMO).status is PartStatus.REJECTED
    assert refused.part(Part.AMO).motif == REJECT_MOTIFS["R02"]
    assert "cotation" in refused.part(Part.AMO).action.lower()
    assert refused.missing == rejected.amo + rejected.amc

    later = euro_status(store, waiting, settings, now)
    wait = later.part(Part.AMO)
    guarantee = add_working_days(now.astimezone().date(), settings.guarantee_working_days)
    assert wait.status is PartStatus.WAITING and wait.missing == Decimal("0.00")
    assert wait.since == now.astimezone().date() and wait.deadline == guarantee
    assert f"garantie de paiement jusqu'au {guarantee:%d/%m/%Y}" in wait.text
    # Past the guarantee, the same FSE says since when.
    late = euro_status(store, waiting, settings, now + timedelta(days=20)).part(Part.AMO)
    assert "indemnité de retard due depuis le" in late.text

    lines = status_lines(short)
    assert lines[0].startswith(f"FSE n° {partial.number} du ")
    assert any(line.startswith("AMO (") and "payée partiellement" in line for line in lines)


def _remainder_alerts(store: Store, now: datetime) -> dict[str, AlertKind]:
    kinds = (AlertKind.PARTLY_PAID, AlertKind.REJECTED)
    return {
        a.key.split(":", 1)[1]: a.kind
        for a in compute_alerts(store, Settings(), now)
        if a.kind in kinds
    }


def test_alerts_and_dashboard_until_the_remainder_is_closed(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    _paid, partial, rejected, _waiting = _returned(store, cabinet, clock)
    now = clock()
    today = now.date()
    rejected_amount = rejected.amo + rejected.amc
    assert _remainder_alerts(store, now) == {
        partial.fse_uuid: AlertKind.PARTLY_PAID,
        rejected.fse_uuid: AlertKind.REJECTED,
    }
    message = next(
        a for a in compute_alerts(store, Settings(), now) if a.kind is AlertKind.PARTLY_PAID
    )
    assert "1,90\u00a0€ non payés" in message.message and PAYMENT_MOTIFS["S01"] in message.message

    figures = dashboard.compute(store, partial.care_date.replace(day=1), today, now)
    assert (figures.unpaid_amount, figures.unpaid_count) == (CUT + rejected_amount, 2)
    assert figures.rejects == 1
    waiting_before = figures.waiting_amount

    claim = close_remainder(
        store, partial.number, ClosureMotif.CLAIMED, clock, comment="courrier du 3", by="test"
    )
    assert claim.amount == CUT and claim.comment == "courrier du 3"
    assert _remainder_alerts(store, now) == {rejected.fse_uuid: AlertKind.REJECTED}
    status = euro_status(store, partial, Settings(), now)
    assert status.part(Part.AMO).status is PartStatus.CLAIMED
    assert f"réclamé à la caisse le {now.astimezone():%d/%m/%Y}" in status.part(Part.AMO).text
    # Claimed: still expected, so counted as waiting, no longer as unpaid.
    figures = dashboard.compute(store, partial.care_date.replace(day=1), today, now)
    assert (figures.unpaid_amount, figures.unpaid_count) == (rejected_amount, 1)
    assert figures.waiting_amount == waiting_before + CUT
    assert [r.fse_uuid for r in open_remainders(store, include_claimed=True)] == [
        partial.fse_uuid,
        rejected.fse_uuid,
    ]

    close_remainder(store, rejected.number, ClosureMotif.LOSS, clock, by="test")
    assert _remainder_alerts(store, now) == {}
    totals = remainder_totals(store)
    assert (totals.unpaid_amount, totals.unpaid_count) == (Decimal("0.00"), 0)
    assert (totals.claimed_amount, totals.lost_amount, totals.lost_count) == (
        CUT,
        rejected_amount,
        1,
    )
    assert euro_status(store, rejected, Settings(), now).part(Part.AMO).status is PartStatus.LOST
    # A claim that fails becomes a loss; a loss is final.
    close_remainder(store, partial.number, ClosureMotif.LOSS, clock, by="test")
    with pytest.raises(NothingToCloseError, match="déjà clos"):
        close_remainder(store, partial.number, ClosureMotif.CLAIMED, clock, by="test")
    assert store.audit_verify().ok


def test_nothing_to_close_says_why(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    paid, partial, _rejected, waiting = _returned(store, cabinet, clock)
    with pytest.raises(NothingToCloseError, match="payée en totalité"):
        close_remainder(store, paid.number, ClosureMotif.LOSS, clock)
    with pytest.raises(NothingToCloseError, match="attend encore le retour"):
        close_remainder(store, waiting.number, ClosureMotif.LOSS, clock)
    close_remainder(store, partial.number, ClosureMotif.CLAIMED, clock)
    with pytest.raises(NothingToCloseError, match="réclamé à la caisse le"):
        close_remainder(store, partial.number, ClosureMotif.CLAIMED, clock)
    assert store.db.execute("SELECT count(*) FROM remainder_closures").fetchone()[0] == 1


def test_audit_verify_catches_an_edited_or_removed_closure(tmp_path: Path, cabinet) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sesam.db"
    store = open_store(path)
    try:
        clock = FakeClock()
        partial = _returned(store, cabinet, clock)[1]
        close_remainder(store, partial.number, ClosureMotif.CLAIMED, clock, by="test")
        assert store.audit_verify().ok
    finally:
        store.close()
    with attacker(path) as raw:  # outside the software: a loss turned into a claim
        raw.execute("UPDATE remainder_closures SET motif = 'perte', amount = '0.10'")
    store = open_store(path)
    try:
        report = store.audit_verify()
        assert not report.ok
        assert "clôture du reste dû n° 1" in report.detail and "montant clos" in report.detail
    finally:
        store.close()
    with attacker(path) as raw:
        raw.execute("DELETE FROM remainder_closures")
    store = open_store(path)
    try:
        report = store.audit_verify()
        assert not report.ok and "supprimé du registre" in report.detail
    finally:
        store.close()


def test_sesam_returns_status_and_close(tmp_path: Path, cabinet) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    store = open_store(data_dir / "sesam.db")
    try:
        paid, partial, _rejected, _waiting = _returned(store, cabinet, FakeClock())
    finally:
        store.close()
    done = sesam(data_dir, "returns", "status", str(partial.number), "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    amo = next(p for p in doc["parts"] if p["part"] == "amo")
    assert (amo["statut"], amo["manquant"], amo["motif"]) == ("payee_partiellement", "1.90", "S01")
    assert amo["motif_libelle"] == PAYMENT_MOTIFS["S01"] and doc["cloture"] is None

    nothing = sesam(data_dir, "returns", "close", str(paid.number), "--motif", "perte")
    assert nothing.returncode == 1 and "payée en totalité" in nothing.stderr

    closed = sesam(
        data_dir,
        "returns",
        "close",
        str(partial.number),
        "--motif",
        "reclame",
        "--commentaire",
        "appel du 4",
    )
    assert closed.returncode == 0, closed.stderr
    assert "(1,90\u00a0€) clos" in closed.stdout and "réclamé à la caisse le" in closed.stdout
    text = sesam(data_dir, "returns", "status", str(partial.number))
    assert "reste réclamé" not in text.stdout  # the sentence, not the short label
    assert "réclamé à la caisse le" in text.stdout and "Commentaire : appel du 4" in text.stdout
    again = sesam(data_dir, "returns", "close", str(partial.number), "--motif", "reclame")
    assert again.returncode == 1 and "déjà clos" in again.stderr
    missing = sesam(data_dir, "returns", "status", "999")
    assert missing.returncode == 1 and missing.stderr.strip()


def test_noemie_partial_payments_carry_their_motif() -> None:
    """The caisse says why it paid less (``Sxx``); a reject motif on a payment is refused."""
    today = datetime.now(UTC).date()
    inv = NoemieInvoice(
        "f" * 36, "l" * 36, today, InvoiceOutcome.PAID, Decimal("17.10"), motif_code="S04"
    )
    noemie = NoemieFile(
        "AMSIMUL01", "123456789", 1, today, payments=(NoemiePayment("V", today, (inv,)),)
    )
    (back,) = parse_noemie(build_noemie(noemie)).invoices()
    assert back.motif_code == "S04"
    wrong = NoemieFile(
        "AMSIMUL01",
        "123456789",
        1,
        today,
        payments=(
            NoemiePayment(
                "V",
                today,
                (NoemieInvoice("f" * 36, "l" * 36, today, InvoiceOutcome.PAID, motif_code="R01"),),
            ),
        ),
    )
    with pytest.raises(MalformedNoemieError, match="motif de rejet"):
        parse_noemie(build_noemie(wrong))
    # The simulated caisse gives every partial payment a motif.
    policy = ReturnPolicy(rejected_per_mille=0, partly_paid_per_mille=1000)
    fate, code = policy.fate("une-fse")
    assert fate is Fate.PARTLY_PAID and code in PAYMENT_MOTIFS


@pytest.mark.sqlite_only  # SQLite's query plan (EXPLAIN QUERY PLAN) of the file's indexes
def test_remainders_read_only_the_partly_paid_and_rejected_lines(store) -> None:  # type: ignore[no-untyped-def]
    """No walk of the store: every step of the query is an index search (a SCAN of the FSE
    or of the payments would read them all: 250 ms at 100 000 FSE, 23 % unpaid)."""
    sql = f"SELECT * FROM ({remainders._SQL_REMAINDERS}) c WHERE c.closed IS NULL"  # noqa: S608
    values = [*remainders.UNPAID_OUTCOMES, FseState.PAID.value, FseState.REJECTED.value]
    plan = [str(r[-1]) for r in store.db.execute("EXPLAIN QUERY PLAN " + sql, values)]
    steps = [p for p in plan if p.startswith(("SCAN", "SEARCH"))]
    assert steps and all(p.startswith("SEARCH") and "INDEX" in p for p in steps), plan
    assert any("payments_outcome" in p for p in steps), plan


def test_many_remainders_make_one_alert_with_their_sum(store, cabinet, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Past a handful, the dashboard gets one line for all unpaid FSE, not one per FSE."""
    clock = FakeClock()
    _paid, _partial, rejected, _waiting = _returned(store, cabinet, clock)
    monkeypatch.setattr(alerts_module, "REMAINDERS_ONE_BY_ONE", 1)
    summed = [
        a
        for a in compute_alerts(store, Settings(), clock())
        if a.kind in (AlertKind.PARTLY_PAID, AlertKind.REJECTED)
    ]
    assert len(summed) == 1
    amount = euros(CUT + rejected.amo + rejected.amc)
    assert summed[0].message == (
        f"2 FSE non payées en entier (1 rejetées, 1 payées partiellement) : {amount} non payés."
    )
    assert "filtre « Paiement »" in summed[0].action
