"""Subprocess for the SIGKILL test: creates FSE in a loop (and closes lots now and then)
with in-process emulated cards, printing ``FSE <number>`` / ``LOT <number>`` only after
the transaction committed. Killed at random points by ``test_store_fse_crash.py``.

Usage: python fse_crash_worker.py DB_PATH SEED
"""

from __future__ import annotations

import random
import sys

from fse_cards_support import cards, fse_input

from client.fse_service import FseService
from client.store import open_store


def main() -> None:
    db_path, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)  # noqa: S311 - test schedule, not crypto
    family = cards()
    msa = cards(vitale_profile="vitale-msa")
    store = open_store(db_path)
    service = FseService(store)
    print("READY", flush=True)
    while True:
        choice = rng.random()
        if choice < 0.1:
            for closed in service.close_lots(family.session, family.cps, all_lots=True):
                print(f"LOT {closed.lot.number}", flush=True)
            continue
        if choice < 0.3:
            row = service.create(fse_input(0), msa.cps, msa.vitale)
        elif choice < 0.45:
            row = service.create(
                fse_input(rng.randrange(5), mode="degrade", degrade_reason="test"),
                family.cps,
                family.vitale,
            )
        else:
            row = service.create(fse_input(rng.randrange(5)), family.cps, family.vitale)
        print(f"FSE {row.number}", flush=True)


if __name__ == "__main__":
    main()
