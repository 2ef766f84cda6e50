"""One post of the cabinet, as a process of its own, on the store named by its arguments
(a PostgreSQL URL, or a SQLite file): the other side of the multi-post tests.

Usage: python cabinet_worker.py MODE DB FOLDER ... where MODE is
- ``bill CPS COUNT``: secures COUNT FSE with that CPS (emulated cards), closes its lots
  every fourth, printing « fse PRACTITIONER NUMBER SECONDS » after each commit;
- ``send WORKER``: claims the signed lots one by one (« claim LOT_ID ») until none is left;
- ``claim WORKER``: claims one signed lot (« claimed LOT_ID ») and stops there, to be killed;
- ``hold CPS``: handed a number, stops before the card signs (« holding N »), to be killed;
- ``midwrite CPS``: stops inside the transaction that stores the FSE (« writing N »);
- ``import FILE``: imports a NOEMIE file (« imported » or « already »);
- ``steady CPS COUNT``: bills through the server's stops: a refusal (« down ») is waited out
  on a new connection, an FSE kept on the post is printed « kept N ».
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from cabinet_support import cards, fse_input

from client.fse_service import FseService
from client.offline_journal import FseKeptOfflineError
from client.store import open_store
from client.store.errors import DatabaseUnavailableError


def _open(db: str, folder: str):  # type: ignore[no-untyped-def]
    url = db if db.startswith("postgresql://") else ""
    path = Path(folder) / "sesam.db" if url else Path(db)
    return open_store(path, database_url=url)


def bill(db: str, folder: str, cps: str, count: int) -> None:
    store = _open(db, folder)
    c = cards(cps)
    service = FseService(store)
    care = (date.today() - timedelta(days=1)).isoformat()
    for n in range(count):
        start = time.perf_counter()
        row = service.create(fse_input(n % 5, day=care), c.cps, c.vitale)
        spent = time.perf_counter() - start
        print(f"fse {row.practitioner_id} {row.number} {spent:.4f}", flush=True)
        if n % 4 == 3:
            for closed in service.close_lots(c.session, c.cps, all_lots=True):
                print(f"lot {closed.lot.practitioner_id} {closed.lot.number}", flush=True)
    for closed in service.close_lots(c.session, c.cps, all_lots=True):
        print(f"lot {closed.lot.practitioner_id} {closed.lot.number}", flush=True)
    store.close()


def send(db: str, folder: str, worker: str) -> None:
    store = _open(db, folder)
    idle_since = time.monotonic()
    while time.monotonic() - idle_since < 2.0:
        row = store.outbox_claim(worker, datetime.now(UTC))
        if row is None:
            time.sleep(0.05)
            continue
        print(f"claim {row.id}", flush=True)
        time.sleep(0.01)  # the concentrator's answer
        store.outbox_ack(row.id, datetime.now(UTC))
        idle_since = time.monotonic()
    store.close()


def claim_and_stop(db: str, folder: str, worker: str) -> None:
    store = _open(db, folder)
    row = store.outbox_claim(worker, datetime.now(UTC))
    print(f"claimed {row.id if row else '-'}", flush=True)
    time.sleep(600)


def hold(db: str, folder: str, cps: str) -> None:
    store = _open(db, folder)
    c = cards(cps)

    def stop_here() -> None:
        situation = c.cps.situations[0]
        number = store.counters(situation.billing_number + situation.billing_key)[0]
        print(f"holding {number}", flush=True)
        time.sleep(600)

    service = FseService(store, before_certify=stop_here)
    care = (date.today() - timedelta(days=1)).isoformat()
    service.create(fse_input(0, day=care), c.cps, c.vitale)


def midwrite(db: str, folder: str, cps: str) -> None:
    store = _open(db, folder)
    c = cards(cps)

    def stop_inside(practitioner_id: str, number: int) -> None:
        # Called in the transaction that stores the FSE, after its rows are written.
        print(f"writing {number}", flush=True)
        time.sleep(600)

    store.cabinet.release_fse_number = stop_inside  # type: ignore[method-assign]
    service = FseService(store)
    care = (date.today() - timedelta(days=1)).isoformat()
    service.create(fse_input(0, day=care), c.cps, c.vitale)


def steady(db: str, folder: str, cps: str, count: int) -> None:
    c = cards(cps)
    care = (date.today() - timedelta(days=1)).isoformat()
    store = None
    n = 0
    while n < count:
        try:
            if store is None:
                store = _open(db, folder)
            row = FseService(store).create(fse_input(n % 5, day=care), c.cps, c.vitale)
            print(f"fse {row.practitioner_id} {row.number}", flush=True)
            n += 1
        except FseKeptOfflineError as exc:
            print(f"kept {exc.number}", flush=True)
            n += 1
            store = None
        except (DatabaseUnavailableError, psycopg.Error):
            # A read outside a write transaction raises psycopg's own error.
            print("down", flush=True)
            store = None
            time.sleep(0.2)
    # The last FSE kept, if any, are stored now the server is back.
    while True:
        try:
            store = _open(db, folder)
            FseService(store).replay_kept()
            break
        except (DatabaseUnavailableError, psycopg.Error):
            time.sleep(0.2)
    store.close()


def import_returns(db: str, folder: str, file: str) -> None:
    from client.returns import import_noemie_file

    store = _open(db, folder)
    report = import_noemie_file(store, Path(file), datetime.now(UTC))
    print("already" if report.already_imported else "imported", flush=True)
    store.close()


if __name__ == "__main__":
    mode, db, folder = sys.argv[1:4]
    if mode == "bill":
        bill(db, folder, sys.argv[4], int(sys.argv[5]))
    elif mode == "send":
        send(db, folder, sys.argv[4])
    elif mode == "hold":
        hold(db, folder, sys.argv[4])
    elif mode == "claim":
        claim_and_stop(db, folder, sys.argv[4])
    elif mode == "import":
        import_returns(db, folder, sys.argv[4])
    elif mode == "midwrite":
        midwrite(db, folder, sys.argv[4])
    else:
        steady(db, folder, sys.argv[4], int(sys.argv[5]))
