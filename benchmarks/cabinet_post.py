"""One post of the cabinet benchmark, a process of its own (``benchmarks.cabinet``).

``python -m benchmarks.cabinet_post DB FOLDER CPS COUNT GO``: opens the store (a PostgreSQL
URL or a SQLite file), reads its emulated cards, prints « ready », waits for the file GO,
then secures COUNT FSE and prints each one's seconds, then « span START END » (epoch),
and closes its lots.
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from pathlib import Path

from cardio.cps import CpsSession
from cardio.vitale import VitaleReader
from client.fse_service import CpsSource, FseService, VitaleSource, parse_fse_input
from client.store import open_store
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card


def main(db: str, folder: str, cps_profile: str, count: int, go: str) -> None:
    url = db if db.startswith("postgresql://") else ""
    store = open_store(Path(folder) / "sesam.db" if url else Path(db), database_url=url)
    session = CpsSession(EmulatedConnection(make_card(cps_profile)))
    session.verify_pin("1234")
    cps = CpsSource(session.read_identity(), session.read_situations())
    reader = VitaleReader(EmulatedConnection(make_card("vitale-famille")))
    vitale = VitaleSource(reader.read(), reader)
    service = FseService(store)
    care = (date.today() - timedelta(days=1)).isoformat()
    print("ready", flush=True)
    while not Path(go).exists():
        time.sleep(0.01)
    start = time.time()
    for n in range(count):
        request = parse_fse_input(
            {"date_of_care": care, "acts": [{"code": "G"}], "beneficiary": n % 5, "situation": 1}
        )
        began = time.perf_counter()
        service.create(request, cps, vitale)
        print(f"{time.perf_counter() - began:.5f}", flush=True)
    print(f"span {start:.4f} {time.time():.4f}", flush=True)
    service.close_lots(session, cps, all_lots=True)  # the lots the replay figure sends
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
