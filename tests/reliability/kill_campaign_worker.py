"""Subprocess of the kill campaign (``test_kill_campaign.py``): creates FSE, or creates a
few FSE and closes their lots, in a loop, until it is killed with SIGKILL.

It prints ``FSE <number> <uuid>`` / ``LOT <number> <id>`` only after the transaction
committed: what it printed is what the user was told is saved. The cards are the testbed's
emulated cards read in-process by the real ``cardio`` readers (``EmulatedConnection``, as in
``tests/client/fse_crash_worker.py``): ``sesam fse create`` goes through pcscd, whose
virtual readers are one per machine and slow to restart after a killed client; the bytes
exchanged with the card are the same.

Usage: python kill_campaign_worker.py create|close|final DB_PATH SEED (``final``: close
every open lot once, then end)
"""

from __future__ import annotations

import random
import sys

from reliability_support import cards, fse_input

from client.fse_service import FseService
from client.store import open_store


def main() -> None:
    mode, db_path, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(seed)  # noqa: S311 - test schedule, not crypto
    family = cards()
    store = open_store(db_path)
    service = FseService(store)
    print("READY", flush=True)
    if mode == "final":  # close what is open, once, and end
        for closed in service.close_lots(family.session, family.cps, all_lots=True):
            print(f"LOT {closed.lot.number} {closed.lot.id}", flush=True)
        store.close()
        return
    while True:
        for _ in range(rng.randint(1, 3) if mode == "close" else 1):
            row = service.create(fse_input(rng.randrange(5)), family.cps, family.vitale)
            print(f"FSE {row.number} {row.fse_uuid}", flush=True)
        if mode == "close":
            for closed in service.close_lots(family.session, family.cps, all_lots=True):
                print(f"LOT {closed.lot.number} {closed.lot.id}", flush=True)


if __name__ == "__main__":
    main()
