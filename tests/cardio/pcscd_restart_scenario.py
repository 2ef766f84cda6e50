"""Kill and restart pcscd under a live PcscBackend and ReaderMonitor; print what was seen.

Run by ``test_pcsc_integration.py`` inside a private mount namespace whose /run/pcscd is a
fresh tmpfs: the pcscd started here is this script's own (vpcd on ports 40059/40060), so the
machine's pcscd and the shared virtual readers are never touched.
Usage: python pcscd_restart_scenario.py WORKDIR  → one JSON object on stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from cardio.errors import ReaderUnavailableError
from cardio.monitor import ReaderEvent, ReaderMonitor, ReaderSnapshot
from cardio.pcsc import PcscBackend
from cardio.thread import CardThread
from cardio.vitale import VitaleReader
from testbed.cards.pcsc_watch import wait_for_readers
from testbed.cards.server import CardServer

PORTS = (40059, 40060)
READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")


def start_pcscd(conf: Path) -> subprocess.Popen[bytes]:
    daemon = subprocess.Popen(
        ["/usr/sbin/pcscd", "--foreground", "--config", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_readers(READERS, timeout=20)
    return daemon


def main(workdir: Path) -> dict[str, object]:
    conf = workdir / "reader.conf.d"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "vpcd").write_text(
        'FRIENDLYNAME "Virtual PCD"\n'
        f"DEVICENAME   /dev/null:0x{PORTS[0]:04X}\n"
        "LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so\n"
        f"CHANNELID    0x{PORTS[0]:04X}\n"
    )
    seen: dict[str, object] = {}
    events: list[list[str]] = []

    def record(snapshot: ReaderSnapshot, batch: tuple[ReaderEvent, ...]) -> None:
        events.append([e.kind.value for e in batch])

    daemon = start_pcscd(conf)
    server = CardServer(ports=PORTS, reader_names=READERS, wait_pcsc=True, wait_timeout=15)
    thread = CardThread()
    backend = PcscBackend(thread=thread)
    monitor = ReaderMonitor(backend, thread, record)

    def read_card() -> int:
        with backend.connect(READERS[0]) as connection:
            return len(VitaleReader(connection).read().beneficiaries)

    try:
        server.insert(0, "vitale-famille")
        thread.call(monitor.poll)
        seen["before"] = thread.call(read_card)

        daemon.terminate()  # our own pcscd, started above
        daemon.wait(10)
        try:
            thread.call(backend.states)
            seen["while_down"] = "answered"
        except ReaderUnavailableError as exc:
            seen["while_down"] = type(exc).__name__
        thread.call(monitor.poll)

        daemon = start_pcscd(conf)
        deadline = time.monotonic() + 20  # the vpcd link reconnects the card by itself
        while not thread.call(backend.states)[0].card_present:
            if time.monotonic() > deadline:
                raise TimeoutError("the card did not come back after the restart")
            time.sleep(0.2)
        thread.call(monitor.poll)
        seen["after"] = thread.call(read_card)
        seen["events"] = events
    finally:
        thread.call(backend.close)
        thread.shutdown()
        server.stop()
        daemon.terminate()
        daemon.wait(10)
    return seen


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
