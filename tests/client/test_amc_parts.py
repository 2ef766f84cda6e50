"""Each part reconciled on its own (issue #23): NOEMIE 198 / 199 say what the caisse did
with the AMO and AMC parts. Gestion unique: the caisse pays both. Gestion séparée: it leaves
the AMC part to the AMC, which is then awaited (not « payée partiellement »), raises an
alert once its contractual delay is over, and is paid by the AMC's own payment line."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from am_support import FakeClock, close_lots, create_fse

from billing.amc_delays import load_amc_delays
from billing.arl import Arl, ArlStatus
from billing.money_text import euros
from billing.noemie import (
    InvoiceOutcome,
    NoemieFile,
    NoemieInvoice,
    NoemiePart,
    NoemiePayment,
    PartState,
    build_noemie,
)
from client.alerts import AlertKind, compute_alerts
from client.euro_status import Part, PartStatus, euro_status
from client.remainders import late_amc_parts, open_remainders
from client.returns import apply_arl, import_noemie
from client.settings import Settings
from client.store import FseRow, Store

AMC_NUMBER = "88776655"
AMC_PART = Decimal("6.00")


def _with_amc_part(store: Store, row: FseRow) -> FseRow:
    """Give the FSE the AMC part a mutuelle's contract would price, in tiers payant (the
    AMC pricing and engagement are not this test's subject): taken from the patient's
    remainder, as the pricing does."""
    assert row.patient_remainder >= AMC_PART
    with store.write():  # the store's own connection: SQLite or PostgreSQL alike
        store.db.execute(
            "UPDATE fse SET amc = ?, patient_remainder = ?, tiers_payant_amc = 1 WHERE id = ?",
            [str(AMC_PART), str(row.patient_remainder - AMC_PART), row.id],
        )
    return store.fse_by_uuid(row.fse_uuid)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "sesam.db"


def _returned(store: Store, cabinet, clock: FakeClock) -> tuple[FseRow, FseRow, str]:  # type: ignore[no-untyped-def]
    """Two FSE in tiers payant AMO + AMC, acknowledged today; the caisse's NOEMIE pays the
    first in gestion unique (199 paid) and only the AMO part of the second (gestion
    séparée: 199 « pas de traitement »)."""
    unique, separate = (_with_amc_part(store, r) for r in create_fse(store, cabinet, 2, clock))
    (lot_id,) = close_lots(store, cabinet, clock)
    apply_arl(store, Arl(f"ARL-{lot_id[:8]}", lot_id, ArlStatus.POSITIVE, clock(), 2, ()), clock())
    today = clock().date()
    zero = Decimal("0.00")
    paid_both = NoemieInvoice(
        unique.fse_uuid,
        lot_id,
        unique.care_date,
        InvoiceOutcome.PAID,
        unique.amo,
        unique.amc,
        amo=NoemiePart(unique.amo, PartState.PAID, unique.amo),
        amc=NoemiePart(unique.amc, PartState.PAID, unique.amc, AMC_NUMBER, "ADH1"),
    )
    amo_only = NoemieInvoice(
        separate.fse_uuid,
        lot_id,
        separate.care_date,
        InvoiceOutcome.PAID,
        separate.amo,
        zero,
        amo=NoemiePart(separate.amo, PartState.PAID, separate.amo),
        amc=NoemiePart(separate.amc, PartState.NOT_PROCESSED, zero, AMC_NUMBER, "ADH2"),
    )
    noemie = NoemieFile(
        "AMSIMUL01",
        "123456789",
        9,
        today,
        payments=(NoemiePayment("VIR9", today, (paid_both, amo_only)),),
    )
    data = build_noemie(noemie)
    report = import_noemie(store, data, clock(), name="RSP9")
    # Gestion séparée is not a partial payment: the caisse paid all it was asked for.
    assert (report.paid, report.partly_paid, report.rejected) == (2, 0, 0)
    return store.fse_by_uuid(unique.fse_uuid), store.fse_by_uuid(separate.fse_uuid), lot_id


def _amc_alerts(store: Store, now: datetime) -> set[str]:
    return {
        a.key.split(":", 1)[1]
        for a in compute_alerts(store, Settings(), now)
        if a.kind is AlertKind.AMC_LATE
    }


def test_gestion_unique_pays_both_parts_and_separee_waits_for_the_amc(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    unique, separate, _lot = _returned(store, cabinet, clock)
    now = clock()
    both = euro_status(store, unique, Settings(), now)
    assert both.part(Part.AMO).status is PartStatus.PAID
    assert both.part(Part.AMC).status is PartStatus.PAID
    assert both.part(Part.AMC).paid == unique.amc

    split = euro_status(store, separate, Settings(), now)
    assert split.part(Part.AMO).status is PartStatus.PAID
    amc = split.part(Part.AMC)
    delay = load_amc_delays().days(now.astimezone().date(), AMC_NUMBER)
    deadline = now.astimezone().date() + timedelta(days=delay)
    assert amc.status is PartStatus.WAITING and amc.missing == Decimal("0.00")
    assert amc.deadline == deadline
    assert f"à payer par l'AMC n° {AMC_NUMBER} (gestion séparée)" in amc.text
    # Nothing is owed by the caisse: no remainder, no alert before the AMC's delay.
    assert open_remainders(store) == []
    assert _amc_alerts(store, now) == set()
    assert late_amc_parts(store, now + timedelta(days=delay)) == []


def test_an_amc_part_unpaid_after_its_delay_alerts_until_the_amc_pays(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    _unique, separate, _lot = _returned(store, cabinet, clock)
    delay = load_amc_delays().days(clock().astimezone().date(), AMC_NUMBER)
    later = clock() + timedelta(days=delay + 1)
    assert _amc_alerts(store, later) == {separate.fse_uuid}  # not the gestion unique one
    (late,) = late_amc_parts(store, later)
    assert (late.number, late.amount, late.amc_number) == (
        separate.number,
        separate.amc,
        AMC_NUMBER,
    )
    alert = next(
        a for a in compute_alerts(store, Settings(), later) if a.kind is AlertKind.AMC_LATE
    )
    amount = euros(separate.amc)
    assert f"part complémentaire de {amount} non payée par l'AMC n° {AMC_NUMBER}" in alert.message
    part = euro_status(store, separate, Settings(), later).part(Part.AMC)
    assert "délai dépassé" in part.text and part.action

    # The AMC pays its part a little short (its own return, ``amc_payments``).
    with store.write():
        store.amc_lots.record_payment(
            return_id="AMCRET1",
            fse_uuid=separate.fse_uuid,
            lot_id="DRE-LOT-1",
            engagement="ENG1",
            outcome="paye",
            billed=separate.amc,
            paid=separate.amc - Decimal("1.00"),
            paid_on=later.date(),
            virement_ref="AMCVIR1",
            motif_code="",
            motif_label="",
            now=later,
        )
    assert _amc_alerts(store, later) == set()
    status = euro_status(store, separate, Settings(), later)
    assert status.part(Part.AMO).status is PartStatus.PAID  # the caisse's line still counts
    amc = status.part(Part.AMC)
    assert amc.status is PartStatus.PARTLY_PAID and amc.missing == Decimal("1.00")
    assert "payée partiellement par la complémentaire" in amc.text
    assert "1,00\u00a0€ non payés" in amc.text  # « 1,00 € », no-break space before €
    assert status.missing == Decimal("1.00")


def test_an_amc_part_sent_in_a_dre_counts_its_delay_from_the_amc_acknowledgement(
    store, cabinet
) -> None:  # type: ignore[no-untyped-def]
    from client.store.amc_lots import DreStatus

    clock = FakeClock()
    row = _with_amc_part(store, create_fse(store, cabinet, 1, clock)[0])
    (lot_id,) = close_lots(store, cabinet, clock)
    apply_arl(store, Arl(f"ARL-{lot_id[:8]}", lot_id, ArlStatus.POSITIVE, clock(), 1, ()), clock())
    store.amc_lots.insert_dre_lot(
        lot_id="DRE-1",
        number=1,
        amc=AMC_NUMBER,
        practitioner_id=row.practitioner_id,
        closed_at=clock(),
        content_sha256="0" * 64,
        der=b"DRE",
        items=[(row.fse_uuid, "ENG1", row.amc)],
    )
    before = euro_status(store, row, Settings(), clock()).part(Part.AMC)
    assert before.status is PartStatus.WAITING and "pas encore reçue" in before.text
    acked = clock() + timedelta(days=2)
    store.amc_lots.dre_answered("DRE-1", DreStatus.ACKNOWLEDGED, b"ACK", acked)
    delay = load_amc_delays().days(acked.astimezone().date(), AMC_NUMBER)
    deadline = acked.astimezone().date() + timedelta(days=delay)
    part = euro_status(store, row, Settings(), acked).part(Part.AMC)
    assert part.status is PartStatus.WAITING and part.deadline == deadline
    assert f"à payer par l'AMC n° {AMC_NUMBER}" in part.text
    # Late from the acknowledgement, not from the caisse's ARL two days before.
    assert _amc_alerts(store, acked + timedelta(days=delay)) == set()
    assert _amc_alerts(store, acked + timedelta(days=delay + 1)) == {row.fse_uuid}
