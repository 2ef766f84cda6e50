"""Who is looking, everywhere (issue #26), on both backends: the unpaid remainders, the
alerts, the queue's lots and unmatched payments are each card's own; the remplaçant sees
the accounts of the doctor he replaces and nothing of a third practitioner, on the desk's
scope and through ``sesam`` — which reads the card in the reader, else ``--carte``, else
the post's ``carte`` setting."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cabinet_support import (
    LEFEVRE,
    LEFEVRE_CARD,
    MOREL_CARD,
    RENAUD,
    RENAUD_CARD,
    SECRETAIRE_CARD,
    cards,
    fse_input,
    worker_env,
)

from billing.noemie import InvoiceOutcome, NoemieFile, NoemieInvoice, NoemiePayment, build_noemie
from billing.noemie_format import NoemieRejects
from client.alerts import AlertKind, compute_alerts
from client.cli.looking import NO_READER_ENV
from client.fse_service import FseService
from client.noemie_returns import import_noemie
from client.remainders import remainder_totals
from client.settings import Settings
from client.store import Store, open_store
from client.store.cabinet import MemberRole
from client.store.rows import FseRow
from client.usecases import scope, views
from testbed.cards.server import CardServer

Opener = Callable[[str], Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def posts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Opener]]:
    """(the store's name for ``sesam``: its folder or its URL, a function opening it on
    one more post)."""
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


def _cabinet(store: Store) -> dict[str, list[FseRow]]:
    """RENAUD bills, MOREL replaces him (his number), LEFÈVRE bills; the lots closed;
    the caisse pays RENAUD's first FSE in part and rejects LEFÈVRE's; each one's NOEMIE
    file also brings a line that matches no FSE here."""
    renaud = [_bill(store, "cps-generaliste", 0), _bill(store, "cps-remplacant", 1)]
    lefevre = [_bill(store, "cps-deux-cabinets", 2)]
    store.cabinet.add_member(SECRETAIRE_CARD, LEFEVRE, MemberRole.RECEPTIONIST, datetime.now(UTC))
    for cps in ("cps-generaliste", "cps-deux-cabinets"):
        c = cards(cps)
        FseService(store).close_lots(c.session, c.cps, all_lots=True)
    today = date.today()
    for number, (receiver, fse, outcome) in enumerate(
        ((RENAUD, renaud[0], InvoiceOutcome.PAID), (LEFEVRE, lefevre[0], InvoiceOutcome.REJECTED)),
        start=1,
    ):
        row = store.fse_by_uuid(fse.fse_uuid)
        assert row is not None and row.lot_id
        mine = NoemieInvoice(
            row.fse_uuid,
            row.lot_id,
            row.care_date,
            outcome,
            paid_amo=row.amo - Decimal("5.00") if outcome is InvoiceOutcome.PAID else Decimal(0),
            motif_code="R01" if outcome is InvoiceOutcome.REJECTED else None,
        )
        stranger = NoemieInvoice(
            f"inconnue-{number}", "lot-inconnu", row.care_date, InvoiceOutcome.PAID, Decimal(7)
        )
        paid = (mine, stranger) if outcome is InvoiceOutcome.PAID else (stranger,)
        rejects = () if outcome is InvoiceOutcome.PAID else (NoemieRejects(today, (mine,)),)
        data = build_noemie(
            NoemieFile(
                "AMSIMUL01",
                receiver,
                number,
                today,
                (NoemiePayment(f"VIR{number}", today, paid),),
                rejects,
            )
        )
        import_noemie(store, data, datetime.now(UTC), name=f"RSP{number}.noemie", source="fichier")
    return {RENAUD: renaud, LEFEVRE: lefevre}


def test_remainders_alerts_lots_and_unmatched_payments_are_each_cards_own(
    posts: tuple[str, Opener],
) -> None:
    _, open_post = posts
    store = open_post("a")
    billed = _cabinet(store)
    partly, rejected = billed[RENAUD][0], billed[LEFEVRE][0]

    def seen(card: str) -> tuple[set[str], int, int, set[str], int, set[str]]:
        viewer = scope.viewer_for(store, card)
        practitioners = scope.scope_of(viewer)
        totals = remainder_totals(store, practitioners)
        with scope.looking(store, viewer):
            keys = {
                a.key.split(":", 1)[1]
                for a in compute_alerts(
                    store, Settings(), datetime.now(UTC), practitioners=practitioners
                )
                if a.kind in (AlertKind.PARTLY_PAID, AlertKind.REJECTED, AlertKind.UNMATCHED)
            }
        queue = views.read_queue(store, 50, [], viewer)
        lots = {lot.practitioner_id for lot, _outbox in queue.lots}
        assert queue.lot_count == len(queue.lots)
        unmatched = {str(u["fse_uuid"]) for u in queue.unmatched}
        assert queue.unmatched_count == len(unmatched)
        return keys, totals.unpaid_count, totals.rejected_count, lots, len(unmatched), unmatched

    keys, unpaid, rejects, lots, _n, unmatched = seen(RENAUD_CARD)
    # RENAUD: his FSE paid in part, his file's stray line; never LEFÈVRE's reject.
    assert partly.fse_uuid in keys and rejected.fse_uuid not in keys
    assert (unpaid, rejects, lots, unmatched) == (1, 0, {RENAUD}, {"inconnue-1"})
    # The remplaçant sees what the doctor he replaces sees; the receptionist LEFÈVRE's.
    assert seen(MOREL_CARD) == seen(RENAUD_CARD)
    hers = seen(SECRETAIRE_CARD)
    assert hers == seen(LEFEVRE_CARD)
    assert rejected.fse_uuid in hers[0] and partly.fse_uuid not in hers[0]
    assert hers[1:] == (1, 1, {LEFEVRE}, 1, {"inconnue-2"})
    # The whole cabinet (no card: the sender, the audit) sees both; an unknown card nothing.
    everything = remainder_totals(store)
    assert (everything.unpaid_count, everything.rejected_count) == (2, 1)
    assert seen("carte-inconnue")[1:] == (0, 0, set(), 0, set())


def _sesam(where: str, data_dir: Path, *args: str) -> Any:
    env = worker_env()
    if where.startswith("postgresql"):
        env["SESAM_DATABASE_URL"] = where
        env["SESAM_DATA_DIR"] = str(data_dir)
    else:
        env["SESAM_DATA_DIR"] = where
    env.pop("SESAM_CARTE", None)
    done = subprocess.run(
        [sys.executable, "-m", "client.cli", *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _listed(where: str, data_dir: Path, *extra: str) -> tuple[set[object], set[object], int]:
    """What ``sesam`` shows: the FSE list's practitioners, the returns list's FSE, the
    number of lots in the queue."""
    fse = _sesam(where, data_dir, "fse", "list", *extra)
    returns = _sesam(where, data_dir, "returns", "list", *extra)
    queue = _sesam(where, data_dir, "queue", "status", *extra)
    assert isinstance(fse, list) and isinstance(returns, dict) and isinstance(queue, dict)
    lots = sum(int(str(s["lots"])) for s in queue["lots"])
    practitioners = {r["praticien"] for r in fse}
    listed = {r["fse"] for r in returns["fse"]}
    return practitioners, listed, lots


def test_sesam_looks_as_the_card_in_the_reader_else_carte_else_the_posts_card(
    posts: tuple[str, Opener],
    card_server: CardServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(NO_READER_ENV)  # this test holds the readers: sesam reads them
    where, open_post = posts
    store = open_post("a")
    billed = _cabinet(store)
    renaud = {f.fse_uuid for f in billed[RENAUD]}
    data_dir = tmp_path / "poste"
    data_dir.mkdir()
    # The remplaçant's CPS in the reader, no PIN typed: RENAUD's accounts, his lot.
    card_server.insert(0, "cps-remplacant")
    his_lots = store.lot_count(frozenset({RENAUD}))
    assert 0 < his_lots < store.lot_count()
    practitioners, listed, lots = _listed(where, data_dir, "--carte", LEFEVRE_CARD)
    assert (practitioners, listed, lots) == ({RENAUD}, renaud, his_lots)
    alerts = _sesam(where, data_dir, "alerts")
    assert isinstance(alerts, list)
    texts = " ".join(str(a["cle"]) for a in alerts)
    assert billed[RENAUD][0].fse_uuid in texts and billed[LEFEVRE][0].fse_uuid not in texts
    card_server.remove(0)
    # No card in: ``--carte`` decides; without it, the post's ``carte`` setting.
    assert _listed(where, data_dir, "--carte", LEFEVRE_CARD)[0] == {LEFEVRE}
    settings_dir = data_dir if where.startswith("postgresql") else Path(where)
    (settings_dir / "settings.json").write_text(json.dumps({"carte": SECRETAIRE_CARD}))
    assert _listed(where, data_dir)[:2] == ({LEFEVRE}, {billed[LEFEVRE][0].fse_uuid})


def test_a_store_from_before_m026_gets_its_remainders_per_practitioner(tmp_path: Path) -> None:
    """An existing store's unpaid remainders are converted in place: the same totals, now
    per practitioner, and kept right by the new triggers afterwards."""
    import sqlite3

    from client.migrations import _M021

    path = tmp_path / "sesam.db"
    store = open_store(path, database_url="")
    billed = _cabinet(store)
    expected = {who: remainder_totals(store, frozenset({who})) for who in (RENAUD, LEFEVRE)}
    store.close()
    # The store as m021 left it: the remainders without their practitioner.
    raw = sqlite3.connect(path)
    with raw:
        for name in (
            "remainder_counts_insert",
            "remainder_counts_delete",
            "remainder_counts_update",
            "remainders_payment",
            "remainders_fse_insert",
            "remainders_fse_update",
        ):
            raw.execute(f"DROP TRIGGER {name}")
        raw.execute("DROP INDEX remainders_practitioner")
        raw.execute("DROP TABLE remainder_counts")
        raw.execute("ALTER TABLE remainders DROP COLUMN practitioner_id")
        old = [
            sql
            for sql in _M021
            if "CREATE TABLE remainder_counts" in sql
            or any(
                f"CREATE TRIGGER {name} " in sql
                for name in (
                    "remainder_counts_insert",
                    "remainder_counts_delete",
                    "remainder_counts_update",
                    "remainders_payment",
                    "remainders_fse_insert",
                    "remainders_fse_update",
                )
            )
        ]
        assert len(old) == 7
        for sql in old:
            raw.execute(sql)
        raw.execute(
            "INSERT INTO remainder_counts (closed, outcome, billed_amo, billed_amc, paid_amo, "
            "paid_amc, n) SELECT closed, outcome, billed_amo, billed_amc, paid_amo, paid_amc, "
            "count(*) FROM remainders GROUP BY 1, 2, 3, 4, 5, 6"
        )
        raw.execute("DELETE FROM _sqlite_migrations WHERE name = 'm026_scoped_remainders'")
    raw.close()

    store = open_store(path, database_url="")  # m026 runs
    try:
        for who, before in expected.items():
            assert remainder_totals(store, frozenset({who})) == before
        assert expected[RENAUD].unpaid_count == 1 and expected[LEFEVRE].rejected_count == 1
        # The new triggers: RENAUD's second FSE rejected counts under RENAUD.
        row = store.fse_by_uuid(billed[RENAUD][1].fse_uuid)
        assert row is not None and row.lot_id
        reject = NoemieInvoice(
            row.fse_uuid, row.lot_id, row.care_date, InvoiceOutcome.REJECTED, motif_code="R01"
        )
        today = date.today()
        data = build_noemie(
            NoemieFile("AMSIMUL01", RENAUD, 9, today, rejects=(NoemieRejects(today, (reject,)),))
        )
        import_noemie(store, data, datetime.now(UTC), name="RSP9.noemie", source="fichier")
        after = remainder_totals(store, frozenset({RENAUD}))
        assert (after.unpaid_count, after.rejected_count) == (2, 1)
        assert remainder_totals(store, frozenset({LEFEVRE})) == expected[LEFEVRE]
    finally:
        store.close()
