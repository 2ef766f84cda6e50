"""The simulated Assurance Maladie refuses what a caisse would: a lot signed by a card that is
neither the practitioner's nor his remplaçant's (A10), a lot number this practitioner
already used (A11), an FSE already accepted in another lot (A12); the product tells each in
French with what to do. ``sesam-testbed am serve`` stops cleanly on SIGTERM at any moment.
Real HTTPS on loopback; emulated cards; the real product sender."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "client"))

from am_support import (
    FakeClock,
    client_settings,
    close_lots,
    create_fse,
    open_cabinet,
    signed_lot,
)
from cryptography.hazmat.primitives.serialization import Encoding

from billing.fse_states import FseState
from billing.signing import SoftwareSigner
from client.backup import backup, restore
from client.returns import import_noemie
from client.sender import Sender, SendProgress, SendStep
from client.store import open_store
from client.transport import HttpsTransport
from testbed.am.server import AmServer
from testbed.pki import card_certificate, card_private_key

ROOT = Path(__file__).resolve().parents[2]


def _signer(profile: str) -> SoftwareSigner:
    return SoftwareSigner(
        card_private_key(profile), card_certificate(profile).public_bytes(Encoding.DER)
    )


def _send(store, settings) -> tuple[object, list[str]]:  # type: ignore[no-untyped-def]
    shown: list[SendProgress] = []
    report = Sender(
        store, HttpsTransport(settings), settings=settings, clock=FakeClock(),
        on_progress=shown.append,
    ).run()  # fmt: skip
    return report, [p.message for p in shown if p.step is SendStep.REFUSED]


@pytest.mark.sqlite_only  # a.db and b.db share the folder's numbering.json: lot n° 2 after 1
def test_a_lot_signed_by_another_doctor_is_refused_and_the_remplacant_is_not(
    tmp_path: Path,
) -> None:
    with AmServer(ledger_path=tmp_path / "ledger.sqlite", control_port=None) as am:
        transport = HttpsTransport(client_settings(am.url))
        store = open_store(tmp_path / "a.db")
        try:
            rows = create_fse(store, open_cabinet(), 2, FakeClock())
            fses = [r.fse() for r in rows]
            lot_id = str(uuid.uuid4())
            # Another doctor's valid CPS (of this CA, not revoked) signs this doctor's FSE.
            der = signed_lot(fses, lot_id, _signer("cps-deux-cabinets"))
            arl = transport.send_lot(lot_id, der).arl
            assert arl is not None and not arl.positive
            assert [m.code for m in arl.motifs] == ["A10"]
            assert am.ledger.summary()["fse_acceptees"] == 0
            # The same FSE signed by their practitioner: accepted.
            good = str(uuid.uuid4())
            arl = transport.send_lot(good, signed_lot(fses, good, _signer("cps-generaliste"))).arl
            assert arl is not None and arl.positive
        finally:
            store.close()
        # A remplaçant bills in the titulaire's name and signs with his own card: accepted.
        store = open_store(tmp_path / "b.db")
        try:
            remplacant = open_cabinet(cps="cps-remplacant")
            clock = FakeClock()
            create_fse(store, remplacant, 2, clock)
            close_lots(store, remplacant, clock)
            report, refused = _send(store, client_settings(am.url))
            assert report.acknowledged == 1 and not refused  # type: ignore[attr-defined]
        finally:
            store.close()


def test_a_reused_lot_number_is_refused_and_told_with_what_to_do(
    tmp_path: Path, separate_database: Callable[[], str | None]
) -> None:
    """Two stores for one practitioner (a second workstation set up from a copy without
    the numbering): both sign a lot n° 1."""
    with AmServer(ledger_path=tmp_path / "ledger.sqlite", control_port=None) as am:
        settings = client_settings(am.url)
        cabinet = open_cabinet()
        results = []
        for name in ("poste1", "poste2"):
            store = open_store(tmp_path / name / "sesam.db", database_url=separate_database())
            try:
                clock = FakeClock()
                create_fse(store, cabinet, 2, clock)
                [lot] = close_lots(store, cabinet, clock)
                assert store.lot_by_id(lot).number == 1
                results.append(_send(store, settings))
                states = {f.state for f in store.fse_list()}
            finally:
                store.close()
        (first, _), (second, refused) = results
        assert first.acknowledged == 1  # type: ignore[attr-defined]
        assert second.refused == 1 and states == {FseState.REFUSED}  # type: ignore[attr-defined]
        assert "A11" in refused[0] and "déjà servi" in refused[0]
        assert am.ledger.summary()["fse_acceptees"] == 2


@pytest.mark.sqlite_only  # a SQLite backup restored (the server: pg_dump)
def test_an_fse_already_accepted_is_refused_in_another_lot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The restore case: a backup taken while the lot was open, the lot sent and accepted
    afterwards, then the backup restored; the restored FSE go into a new lot."""
    data = tmp_path / "data"
    monkeypatch.setenv("SESAM_DATA_DIR", str(data))
    with AmServer(ledger_path=tmp_path / "ledger.sqlite", control_port=None) as am:
        settings = client_settings(am.url)
        cabinet = open_cabinet()
        clock = FakeClock()
        store = open_store(data / "sesam.db")
        create_fse(store, cabinet, 2, clock)
        saved = backup(store, tmp_path / "avant.db")
        close_lots(store, cabinet, clock)
        first, _ = _send(store, settings)
        assert first.acknowledged == 1  # type: ignore[attr-defined]
        store.close()
        restore(saved)
        store = open_store(data / "sesam.db")
        try:
            lots = close_lots(store, cabinet, clock)
            assert [store.lot_by_id(lot).number for lot in lots] == [2]
            report, refused = _send(store, settings)
        finally:
            store.close()
        assert report.refused == 1  # type: ignore[attr-defined]
        assert "A12" in refused[0] and "déjà été acceptée" in refused[0]
        assert am.ledger.summary()["fse_acceptees"] == 2  # paid once
        # The caisse's payment cites lot n° 1; the restored store has the FSE in lot n° 2:
        # nothing is acknowledged on the wrong lot, the lines wait for the user.
        assert am.produce_returns() == 1
        transport = HttpsTransport(settings)
        [entry] = transport.noemie_list(0)
        store = open_store(data / "sesam.db")
        try:
            imported = import_noemie(store, transport.noemie_file(entry.seq), FakeClock()(),
                                     name=entry.name)  # fmt: skip
            assert imported.unmatched == 2 and imported.paid == 0
            reasons = [r["reason"] for r in store.db.query("SELECT reason FROM unmatched_payments")]
            assert all("le retour cite le lot" in r and "lot n° 2" in r for r in reasons), reasons
        finally:
            store.close()


@pytest.mark.parametrize("after", [0.0, 0.05, 0.3, "ready", "request"])
def test_am_serve_stops_cleanly_on_sigterm_at_any_moment(tmp_path: Path, after: object) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SESAM_TESTBED_DIR=os.environ.get(
        "SESAM_TESTBED_DIR", str(tmp_path / "testbed")))  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "testbed", "am", "serve", "--port", "0", "--control-port", "0",
         "--ledger", str(tmp_path / "ledger.sqlite")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    if isinstance(after, float):
        time.sleep(after)  # during the start: imports, PKI, ledger, sockets
    else:
        line = proc.stdout.readline()
        assert line.startswith("ready "), line
        if after == "request":
            url = line.split()[1]
            transport = HttpsTransport(client_settings(url))
            assert transport.ping() is not None
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert time.monotonic() - start < 10
    err = proc.stderr.read() if proc.stderr else ""
    # Stopped by the signal before Python set the handler, or exited cleanly after it.
    assert code in (0, -signal.SIGTERM), (code, err)
    assert "Traceback" not in err
