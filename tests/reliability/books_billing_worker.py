"""A second process that bills without pause (FSE after FSE, a lot signed every third),
printing « fse N » after each commit: the other side of the audit tests (killed mid-way,
or verified beside)."""

from __future__ import annotations

import sys
from datetime import date, timedelta

from reliability_support import Clock, cards, fse_input

from client.fse_service import FseService
from client.store import open_store


def main(db: str) -> None:
    store = open_store(db)
    c = cards()
    service = FseService(store, clock=Clock())
    care = (date.today() - timedelta(days=1)).isoformat()
    n = 0
    while True:
        row = service.create(fse_input(n % 5, day=care), c.cps, c.vitale)
        n += 1
        if n % 3 == 0:
            service.close_lots(c.session, c.cps, all_lots=True)
        print(f"fse {row.number}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
