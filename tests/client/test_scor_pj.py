"""A dégradé FSE in a real store, its printed feuille de soins, its scan from the SANE test
backend turned into a PJ, the PJ lot queued after its invoice lot, the 5-working-day rule
and the 90-day purge with an injected clock, and the duplicata of a failed FSE."""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from scor_support import (
    Pki,
    close_lot_of,
    make_pki,
    pdftotext,
    qpdf_check,
    store_fse,
)

from billing.fse import SecuringMode, TiersPayant
from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState
from billing.pj_lot import Piece, PjLotError, content_format, pj_lot_document, verify_pj_lot
from billing.scor_rules import ScorSettings
from client import documents
from client.scor import scan
from client.scor.errors import PjStateError
from client.scor.normalize import NormalizedPj, normalize_bytes
from client.scor.pj import PjService, PjStatus
from client.store import OutboxStatus, Store


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def scanned() -> NormalizedPj:
    return normalize_bytes(scan.scan_page("test:0"), "scan test:0")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "sesam.db"


def service(store: Store, clock: Clock, **kwargs: object) -> PjService:
    return PjService(store, store.path.parent, clock=clock, **kwargs)  # type: ignore[arg-type]


MONDAY_9_NOV = datetime(2026, 11, 9, 17, 0, tzinfo=UTC)


def test_degrade_fse_prints_its_feuille_de_soins_for_the_patient(
    store: Store, tmp_path: Path
) -> None:
    number = store_fse(store)
    pdf = documents.feuille_de_soins_pdf(store, number)
    qpdf_check(pdf, tmp_path)
    text = " ".join(pdftotext(pdf, tmp_path).split())
    assert "SESAM « dégradé »" in text and "à faire signer par le patient" in text
    assert "LEFÈVRE Zoé" in text and "1 80 05 75 112 045 89" in text and "12/05/1980" in text
    assert "Dr CLAIRE RENAUD" in text and "751234568" in text
    # The acts in words, from the referential (issue #20).
    assert "G 30,00 EUR" in text and "MEG 5,00 EUR" in text
    assert "Consultation de référence du médecin" in text
    assert "Majoration du médecin généraliste pour l'enfant" in text
    assert "[X] L'assuré n'a pas payé la part obligatoire" in text
    assert f"Référence de la facture : {number} - lot 1" in text
    assert "Signature de l'assuré(e)" in text


def test_receipt_and_bordereau_from_the_store(store: Store, tmp_path: Path, pki: Pki) -> None:
    number = store_fse(store)
    close_lot_of(store, number, pki.signer, MONDAY_9_NOV)
    receipt = " ".join(pdftotext(documents.receipt_pdf(store, number), tmp_path).split())
    # Tiers payant on the AMO part only: the patient owes 35.00 - 22.50; nothing was
    # recorded at the desk, so the receipt does not say it was received.
    assert "À régler par le patient : 12,50 EUR - mode de règlement : à encaisser" in receipt
    assert "dont part remboursable par l'Assurance Maladie : 22,50 EUR" in receipt
    bordereau = documents.bordereau_pdf(store, date(2026, 11, 9))
    qpdf_check(bordereau, tmp_path)
    text = pdftotext(bordereau, tmp_path)
    assert "Journée du 09/11/2026" in text
    assert "FSE dégradées" in text and "35,00 EUR" in text


def test_scan_becomes_a_pj_lot_sent_after_its_invoice_lot(
    store: Store, pki: Pki, scanned: NormalizedPj
) -> None:
    clock = Clock(MONDAY_9_NOV)
    pjs = service(store, clock)
    number = store_fse(store)
    record = pjs.attach(number, scanned, "scan:test:0")
    assert record.status is PjStatus.TO_CHECK
    assert record.file_path is not None and record.file_path.read_bytes() == scanned.pdf
    assert stat.S_IMODE(record.file_path.stat().st_mode) == 0o600  # health data
    assert pjs.build_lots(pki.signer) == []  # not checked by the user yet
    pjs.accept(record.id)
    assert pjs.build_lots(pki.signer) == []  # its invoice lot is still open
    invoice_lot = close_lot_of(store, number, pki.signer, MONDAY_9_NOV)

    (pj_lot,) = pjs.build_lots(pki.signer)
    lot = store.lot_by_id(pj_lot)
    assert lot.kind == "pj" and lot.state is LotState.CLOSED and lot.mode == "degrade"
    outbox = store.outbox_get(pj_lot)
    assert outbox is not None and outbox.kind == "pj"
    assert outbox.after_id == invoice_lot and outbox.status is OutboxStatus.PENDING
    assert pjs.get(record.id).status is PjStatus.IN_LOT

    der = store.lot_der(pj_lot)
    assert der is not None
    verified = verify_pj_lot(der, pki.ca_der)  # CPS signature and piece digests
    assert [p.fse_number for p in verified.pieces] == [number]
    assert verified.pieces[0].pdf == scanned.pdf
    assert verified.invoice_lots == (invoice_lot,)

    # The sender cannot take the PJ lot before the invoice lot has left.
    first = store.outbox_claim("sender", MONDAY_9_NOV)
    assert first is not None and first.id == invoice_lot
    assert store.outbox_claim("sender", MONDAY_9_NOV) is None
    store.outbox_ack(invoice_lot, MONDAY_9_NOV)
    second = store.outbox_claim("sender", MONDAY_9_NOV)
    assert second is not None and second.id == pj_lot


def _pj_in_flight(store: Store, pjs: PjService, pki: Pki, scanned: NormalizedPj) -> tuple[int, str]:
    number = store_fse(store)
    pj = pjs.attach(number, scanned, "import:feuille.png")
    pjs.accept(pj.id)
    invoice_lot = close_lot_of(store, number, pki.signer, MONDAY_9_NOV)
    (pj_lot,) = pjs.build_lots(pki.signer)
    store.outbox_claim("sender", MONDAY_9_NOV)
    store.outbox_ack(invoice_lot, MONDAY_9_NOV)
    return pj.id, pj_lot


def test_five_working_days_of_failures_with_armistice_then_paper(
    store: Store, pki: Pki, scanned: NormalizedPj
) -> None:
    clock = Clock(MONDAY_9_NOV)
    pjs = service(store, clock)
    pj_id, pj_lot = _pj_in_flight(store, pjs, pki, scanned)
    # First attempt on Monday 9 November 2026, the concentrator is unreachable.
    assert store.outbox_claim("sender", clock.now) is not None
    store.outbox_nack(pj_lot, "connexion refusée", clock.now + timedelta(minutes=5), clock.now)
    assert pjs.refresh() == []
    record = pjs.get(pj_id)
    assert record.first_attempt_at is not None
    assert record.first_attempt_at.date() == date(2026, 11, 9)
    # Wednesday 11 November is a holiday: the window ends on Tuesday 17, not Monday 16.
    assert record.paper_deadline == date(2026, 11, 17)
    assert record.last_error == "connexion refusée"

    for day in (10, 12, 13, 16, 17):  # every working day, it fails again
        clock.now = datetime(2026, 11, day, 20, 0, tzinfo=UTC)
        store.outbox_claim("sender", clock.now)
        store.outbox_nack(pj_lot, "connexion refusée", clock.now, clock.now)
        assert pjs.refresh() == [], f"paper due too early on {day} November"
        assert not pjs.for_fse(record.fse_number).paper_due  # type: ignore[union-attr]

    clock.now = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)
    (due,) = pjs.refresh()
    assert due.id == pj_id and due.status is PjStatus.PAPER_DUE and due.paper_due
    shown = pjs.for_fse(due.fse_number)
    assert shown is not None and shown.paper_due
    assert shown.status.label == "à envoyer sur papier (duplicata)"
    assert pjs.refresh() == []  # told once
    # The paper duplicata is posted; its retention runs from that day.
    posted = pjs.mark_posted(pj_id)
    assert posted.purge_on == date(2026, 11, 18) + timedelta(days=91)


def test_acknowledged_pj_is_purged_after_90_days_with_a_record(
    store: Store, pki: Pki, scanned: NormalizedPj
) -> None:
    clock = Clock(MONDAY_9_NOV)
    pjs = service(store, clock)
    pj_id, pj_lot = _pj_in_flight(store, pjs, pki, scanned)
    store.outbox_claim("sender", clock.now)
    store.outbox_ack(pj_lot, clock.now)
    store.lot_transition(pj_lot, LotState.SENT, FseState.SENT, FseEventKind.SENT, clock.now)
    store.lot_transition(
        pj_lot, LotState.ACKNOWLEDGED, FseState.ACKNOWLEDGED, FseEventKind.ARL_POSITIVE, clock.now
    )
    pjs.refresh()
    record = pjs.get(pj_id)
    assert record.status is PjStatus.ACKNOWLEDGED and not record.paper_due
    assert record.transmitted_at is not None and record.transmitted_at.date() == date(2026, 11, 9)
    assert record.purge_on == date(2027, 2, 8)  # 90 full days kept after 9 November
    path = record.file_path
    assert path is not None and path.exists()

    clock.now = datetime(2027, 2, 7, 23, 0, tzinfo=UTC)  # 90th day: kept
    assert pjs.purge() == []
    clock.now = datetime(2027, 2, 8, 7, 0, tzinfo=UTC)
    preview = pjs.purge(dry_run=True)
    assert [p.pj_id for p in preview] == [pj_id] and path.exists()
    (purged,) = pjs.purge()
    assert purged.pj_id == pj_id and purged.retention_start == date(2026, 11, 9)
    assert not path.exists()
    after = pjs.get(pj_id)
    assert after.status is PjStatus.PURGED and after.file_path is None
    assert store.lot_der(pj_lot) is None  # the signed copy held the PDF too
    (logged,) = pjs.purge_log()
    assert logged["pj_id"] == pj_id and logged["sha256"] == record.sha256
    assert logged["lot_content_cleared"] == 1 and logged["size"] == len(scanned.pdf)
    assert pjs.purge() == []  # nothing twice


def test_unacknowledged_pj_is_never_purged(store: Store, pki: Pki, scanned: NormalizedPj) -> None:
    clock = Clock(MONDAY_9_NOV)
    pjs = service(store, clock)
    pj_id, _ = _pj_in_flight(store, pjs, pki, scanned)
    clock.now = datetime(2028, 1, 1, tzinfo=UTC)
    assert pjs.purge() == []
    assert pjs.get(pj_id).file_path.exists()  # type: ignore[union-attr]


def test_durations_are_settings(store: Store, pki: Pki, scanned: NormalizedPj) -> None:
    clock = Clock(MONDAY_9_NOV)
    pjs = service(store, clock, settings=ScorSettings(retry_working_days=1, retention_days=10))
    pj_id, pj_lot = _pj_in_flight(store, pjs, pki, scanned)
    store.outbox_claim("sender", clock.now)
    store.outbox_nack(pj_lot, "timeout", clock.now, clock.now)
    pjs.refresh()
    clock.now = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)  # Tuesday 10 was the one day
    assert [r.id for r in pjs.refresh()] == [pj_id]


def test_only_a_degrade_fse_takes_a_pj(store: Store, scanned: NormalizedPj) -> None:
    pjs = service(store, Clock(MONDAY_9_NOV))
    number = store_fse(store, mode=SecuringMode.SANS_VITALE)
    with pytest.raises(PjStateError, match="pas en mode dégradé"):
        pjs.attach(number, scanned, "scan:test:0")


def test_a_new_scan_replaces_the_unsent_one(store: Store, scanned: NormalizedPj) -> None:
    pjs = service(store, Clock(MONDAY_9_NOV))
    number = store_fse(store)
    first = pjs.attach(number, scanned, "scan:test:0")
    second = pjs.attach(number, scanned, "import:mieux.png")
    old = pjs.get(first.id)
    assert old.status is PjStatus.REPLACED and old.file_path is None
    assert first.file_path is not None and not first.file_path.exists()  # never left: deleted
    assert [r.id for r in pjs.records()] == [second.id]
    with pytest.raises(PjStateError):
        pjs.accept(first.id)


def test_duplicata_of_a_failed_fse_is_printed_and_recorded(
    store: Store, pki: Pki, tmp_path: Path
) -> None:
    number = store_fse(store, tiers_payant=TiersPayant(amo=True, amc=True))
    close_lot_of(store, number, pki.signer, MONDAY_9_NOV)
    lot_number = store.lot_by_id(store.fse_by_number(number).lot_id).number  # type: ignore[arg-type]
    pdf = documents.duplicata_pdf(
        store,
        number,
        "Deux échecs de télétransmission",
        now=MONDAY_9_NOV,
        patient_could_not_sign=True,
    )
    qpdf_check(pdf, tmp_path)
    text = " ".join(pdftotext(pdf, tmp_path).split())
    assert f"Duplicata de la FSE n° {number} - lot n° {lot_number}" in text
    assert "Motif de délivrance Deux échecs de télétransmission" in text
    assert "caisse d'affiliation de l'assuré (01 751 7511)" in text
    assert "L'assuré n'a pas pu signer la feuille de soins." in text
    events = store.fse_events(store.fse_by_number(number).id)
    assert events[-1].kind is FseEventKind.DUPLICATA
    assert "Deux échecs" in (events[-1].detail or "")


def test_pj_lot_format_is_recognisable_and_strict(
    store: Store, pki: Pki, scanned: NormalizedPj
) -> None:
    pjs = service(store, Clock(MONDAY_9_NOV))
    _pj_id, pj_lot = _pj_in_flight(store, pjs, pki, scanned)
    invoice_lot = store.outbox_get(pj_lot).after_id  # type: ignore[union-attr]
    assert content_format(store.lot_der(pj_lot) or b"") == "SESAM-PJ"
    assert content_format(store.lot_der(invoice_lot) or b"") == "SESAM-LOT"  # type: ignore[arg-type]
    assert content_format(b"not a lot") is None
    piece = Piece("f-1", 1, "lot-1", scanned.pdf)
    common = {
        "lot_id": "x",
        "number": 1,
        "practitioner_id": "751234568",
        "organism": {"regime": "01", "caisse": "751", "centre": "7511"},
        "created_at": MONDAY_9_NOV,
    }
    with pytest.raises(PjLotError, match="au moins une pièce"):
        pj_lot_document(pieces=[], **common)  # type: ignore[arg-type]
    with pytest.raises(PjLotError, match="même FSE"):
        pj_lot_document(pieces=[piece, piece], **common)  # type: ignore[arg-type]
    with pytest.raises(PjLotError, match="pas un PDF"):
        pj_lot_document(pieces=[Piece("f-2", 2, "lot-1", b"GIF89a")], **common)  # type: ignore[arg-type]
