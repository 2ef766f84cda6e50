"""Who is looking, on both backends (issue #26): two practitioners and a receptionist on
one store — each card sees only its practitioners' FSE, payments, recette and dashboard;
a practitioner alone sees everything as before; the receptionist's draft reaches the
doctor's post and ``sesam drafts list``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from cabinet_support import (
    LEFEVRE,
    LEFEVRE_CARD,
    RENAUD,
    RENAUD_CARD,
    SECRETAIRE_CARD,
    cards,
    fse_input,
    worker_env,
)

from billing.noemie import InvoiceOutcome, NoemieFile, NoemieInvoice, NoemiePayment, build_noemie
from client import dashboard
from client.fse_service import FseService
from client.noemie_returns import import_noemie
from client.recette import RecetteRequest
from client.reconcile_views import reconcile_summary
from client.store import Store, open_store
from client.store.cabinet import MemberRole
from client.store.rows import FseRow
from client.usecases import scope

Opener = Callable[[str], Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def posts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Opener]]:
    """(the store's name for ``sesam``, a function opening it on one more post)."""
    url = "" if request.param == "sqlite" else request.getfixturevalue("pg_database")()
    shared = tmp_path / "cabinet"
    shared.mkdir()
    opened: list[Store] = []

    def open_post(name: str) -> Store:
        path = shared / "sesam.db" if not url else tmp_path / name / "sesam.db"
        store = open_store(path, database_url=url)
        opened.append(store)
        return store

    yield url or str(shared), open_post
    for store in opened:
        store.close()


def _yesterday() -> date:
    return date.today() - timedelta(days=1)


def _bill(store: Store, cps: str, beneficiary: int) -> FseRow:
    c = cards(cps)
    return FseService(store).create(
        fse_input(beneficiary, _yesterday().isoformat()), c.cps, c.vitale
    )


def _pay(store: Store, rows: list[FseRow]) -> None:
    """The lots closed, the caisse pays each FSE of ``rows`` its AMO part (one NOEMIE
    file; the payment stands for the lot's lost ARL)."""
    for cps in ("cps-generaliste", "cps-deux-cabinets"):
        c = cards(cps)
        FseService(store).close_lots(c.session, c.cps, all_lots=True)
    rows = [r2 for r in rows if (r2 := store.fse_by_uuid(r.fse_uuid)) is not None]
    today = date.today()
    invoices = tuple(
        NoemieInvoice(r.fse_uuid, r.lot_id or "", r.care_date, InvoiceOutcome.PAID, r.amo)
        for r in rows
    )
    data = build_noemie(
        NoemieFile("AMSIMUL01", "123456789", 1, today, (NoemiePayment("VIR1", today, invoices),))
    )
    import_noemie(store, data, datetime.now(UTC), name="RSP1.noemie", source="fichier")


def test_each_card_sees_only_its_practitioners_fse_payments_recette_dashboard(
    posts: tuple[str, Opener],
) -> None:
    _, open_post = posts
    store = open_post("a")
    alone = scope.viewer_for(store, RENAUD_CARD)
    renaud = [_bill(store, "cps-generaliste", 0), _bill(store, "cps-generaliste", 1)]
    # One practitioner billing here: he is alone, he sees everything as before.
    assert scope.viewer_for(store, RENAUD_CARD) is None and alone is None
    lefevre = [_bill(store, "cps-deux-cabinets", 2)]
    store.cabinet.add_member(SECRETAIRE_CARD, LEFEVRE, MemberRole.RECEPTIONIST, datetime.now(UTC))
    _pay(store, [renaud[0], lefevre[0]])

    views = {card: scope.viewer_for(store, card) for card in (RENAUD_CARD, LEFEVRE_CARD)}
    secretaire = scope.viewer_for(store, SECRETAIRE_CARD)
    nobody = scope.viewer_for(store, "carte-inconnue")
    assert views[RENAUD_CARD] is not None and views[RENAUD_CARD].practitioner_ids == {RENAUD}
    start, end, now = dashboard.month_start(_yesterday(), 5), date.today(), datetime.now(UTC)

    def seen(viewer: scope.Viewer | None) -> tuple[set[str], Decimal, Decimal, int, int]:
        page = scope.fse_page(store, viewer, 50)
        paid = {f.fse_uuid for f in page if f.paid_amo is not None}
        with scope.looking(store, viewer):
            board = dashboard.compute(store, start, end, now, scope.scope_of(viewer))
        sheet = scope.recette(store, viewer, RecetteRequest(_yesterday(), _yesterday()))
        assert sheet.totals.fse_count == board.fse_count == len(page)
        summary = reconcile_summary(store, scope.scope_of(viewer))  # the queue's counts
        assert (summary.listed, summary.paid) == (len(page), len(paid))
        return {f.fse_uuid for f in page}, board.billed, board.received, len(paid), len(sheet.lines)

    everything = seen(None)
    mine = seen(views[RENAUD_CARD])
    hers = seen(views[LEFEVRE_CARD])
    assert mine[0] == {r.fse_uuid for r in renaud}
    assert hers[0] == {r.fse_uuid for r in lefevre}
    assert everything[0] == mine[0] | hers[0]
    # Billed and received money add up: each sees his own share of the cabinet's.
    assert mine[1] == sum((r.amo + r.amc for r in renaud), Decimal(0))
    assert mine[2] == renaud[0].amo and hers[2] == lefevre[0].amo
    assert mine[1] + hers[1] == everything[1] and mine[2] + hers[2] == everything[2]
    assert (mine[3], hers[3], everything[3]) == (1, 1, 2)
    # The receptionist sees LEFÈVRE's accounts, the one she works for; an unknown card
    # sees nothing at all.
    assert seen(secretaire) == hers
    assert seen(nobody) == (set(), Decimal(0), Decimal(0), 0, 0)


def test_the_month_totals_stay_right_per_practitioner_as_fse_change(
    posts: tuple[str, Opener],
) -> None:
    """m024's triggers: a state change moves the practitioner's own month row."""
    _, open_post = posts
    store = open_post("a")
    row = _bill(store, "cps-generaliste", 0)
    _bill(store, "cps-deux-cabinets", 2)
    store.cabinet.add_member(SECRETAIRE_CARD, LEFEVRE, MemberRole.RECEPTIONIST, datetime.now(UTC))
    renaud = scope.viewer_for(store, RENAUD_CARD)
    start, end, now = dashboard.month_start(_yesterday(), 5), date.today(), datetime.now(UTC)
    before = dashboard.compute(store, start, end, now, scope.scope_of(renaud))
    assert before.fse_count == 1 and before.waiting_count == 1
    _pay(store, [row])
    after = dashboard.compute(store, start, end, now, scope.scope_of(renaud))
    assert (after.fse_count, after.waiting_count, after.received) == (1, 0, row.amo)
    lefevre = dashboard.compute(store, start, end, now, frozenset({LEFEVRE}))
    assert (lefevre.fse_count, lefevre.received, lefevre.waiting_count) == (1, Decimal(0), 1)


def test_the_receptionist_prepares_the_doctor_finds_it_on_his_post_and_in_sesam(
    posts: tuple[str, Opener], tmp_path: Path
) -> None:
    where, open_post = posts
    reception, doctor = open_post("accueil"), open_post("cabinet-2")
    now = datetime.now(UTC)
    reception.cabinet.add_member(RENAUD_CARD, RENAUD, MemberRole.TITULAIRE, now)
    reception.cabinet.add_member(SECRETAIRE_CARD, RENAUD, MemberRole.RECEPTIONIST, now)
    reception.cabinet.add_member(LEFEVRE_CARD, LEFEVRE, MemberRole.TITULAIRE, now)
    document = json.dumps({"patient": "famille", "actes": ["G"]})
    reception.cabinet.address_draft(
        "d-1", document, addressed_to=RENAUD, prepared_by=SECRETAIRE_CARD, now=now
    )
    # His CPS in the reader of post B: the invoice is there, not on his colleague's.
    (notice,) = scope.addressed_drafts(doctor, RENAUD_CARD)
    assert (notice.id, notice.prepared_by, notice.acts) == ("d-1", SECRETAIRE_CARD, ("G",))
    assert scope.addressed_drafts(doctor, LEFEVRE_CARD) == []
    assert scope.addressed_drafts(doctor, None) == []  # no card: nobody to address
    # ``sesam drafts list --carte`` on a post of the cabinet.
    env = worker_env()
    if where.startswith("postgresql"):
        env["SESAM_DATABASE_URL"] = where
        env["SESAM_DATA_DIR"] = str(tmp_path / "sesam-post")
    else:
        env["SESAM_DATA_DIR"] = where
    listed = subprocess.run(
        [sys.executable, "-m", "client.cli", "drafts", "list", "--carte", RENAUD_CARD, "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    assert [(d["id"], d["pour"], d["actes"]) for d in json.loads(listed.stdout)] == [
        ("d-1", RENAUD, ["G"])
    ]
    other = subprocess.run(
        [sys.executable, "-m", "client.cli", "drafts", "list", "--carte", LEFEVRE_CARD],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert other.returncode == 0 and "Aucune facture préparée" in other.stdout
    as_text = subprocess.run(
        [sys.executable, "-m", "client.cli", "drafts", "list", "--carte", RENAUD_CARD],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    # Prepared through the store, not the desk: no holder's name, the card says who.
    assert f"préparée par la carte {SECRETAIRE_CARD} le" in as_text.stdout


def test_a_store_from_before_m024_gets_its_month_totals_per_practitioner(tmp_path: Path) -> None:
    """An existing store's totals are converted in place: the same sums, now per
    practitioner, and kept right by the new triggers afterwards."""
    import sqlite3

    from client.migrations import _M_MONTH_TOTALS

    path = tmp_path / "sesam.db"
    store = open_store(path, database_url="")
    renaud = _bill(store, "cps-generaliste", 0)
    _bill(store, "cps-deux-cabinets", 2)
    _pay(store, [renaud])
    start, end, now = dashboard.month_start(_yesterday(), 5), date.today(), datetime.now(UTC)
    expected = {
        who: dashboard.compute(store, start, end, now, frozenset({who}))
        for who in (RENAUD, LEFEVRE)
    }
    store.close()
    # The store as m023 left it: the totals per month only, kept by m007's triggers.
    raw = sqlite3.connect(path)
    with raw:
        for name in ("fse_month_totals", "payment_month_totals"):
            for event in ("insert", "delete", "update"):
                raw.execute(f"DROP TRIGGER {name}_{event}")
            raw.execute(f"DROP TABLE {name}")
        for sql in _M_MONTH_TOTALS:
            raw.execute(sql)
        raw.execute("DELETE FROM _sqlite_migrations WHERE name = 'm024_scoped_totals'")
    raw.close()

    store = open_store(path, database_url="")  # m024 runs
    try:
        for who, before in expected.items():
            after = dashboard.compute(store, start, end, now, frozenset({who}))
            assert (after.fse_count, after.billed, after.received) == (
                before.fse_count,
                before.billed,
                before.received,
            )
        assert expected[RENAUD].received == renaud.amo and expected[LEFEVRE].received == 0
        _bill(store, "cps-deux-cabinets", 3)  # the new triggers count it under LEFÈVRE
        lefevre = dashboard.compute(store, start, end, now, frozenset({LEFEVRE}))
        assert lefevre.fse_count == expected[LEFEVRE].fse_count + 1
    finally:
        store.close()
