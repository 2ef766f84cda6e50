"""The simulated Assurance Maladie: mutual TLS, ARL per lot (deduplicated), the checks it
runs on lots, NOEMIE returns after the delay, ADRi."""

from __future__ import annotations

import dataclasses
import ssl
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "client"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "billing"))

from am_support import (
    FakeClock,
    client_settings,
    close_lots,
    create_fse,
    open_cabinet,
    signed_lot,
    software_cps,
)

from billing.noemie import InvoiceOutcome, parse_noemie
from client.store import Store, open_store
from client.transport import (
    AuthenticationError,
    HttpsTransport,
    ServerRejectedError,
    ServerUnavailableError,
)
from testbed.am.noemie_gen import ReturnPolicy
from testbed.am.server import AmServer
from testbed.pki import ensure_pki


class ServerClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def server_clock() -> ServerClock:
    return ServerClock()


@pytest.fixture
def am(tmp_path: Path, server_clock: ServerClock) -> Iterator[AmServer]:
    server = AmServer(
        ledger_path=tmp_path / "ledger.sqlite", noemie_delay=3600, clock=server_clock
    ).start()
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "client.db")
    yield s
    s.close()


@pytest.fixture(scope="module")
def cabinet():  # type: ignore[no-untyped-def]
    return open_cabinet()


def _lot(store: Store, cabinet, count: int = 3) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    create_fse(store, cabinet, count, clock)
    (lot_id,) = close_lots(store, cabinet, clock)
    der = store.lot_der(lot_id)
    assert der is not None
    return lot_id, der


def test_a_good_lot_gets_a_positive_arl_and_is_counted_once(am, store, cabinet) -> None:  # type: ignore[no-untyped-def]
    transport = HttpsTransport(client_settings(am.url))
    lot_id, der = _lot(store, cabinet)
    first = transport.send_lot(lot_id, der)
    again = transport.send_lot(lot_id, der)
    assert first.arl is not None and first.arl.positive and first.arl.fse_count == 3
    assert again.arl == first.arl and again.replay and not first.replay
    summary = am.ledger.summary()
    assert summary["lots"] == 1 and summary["receptions"] == 2 and summary["fse_acceptees"] == 3
    assert transport.arl(lot_id) == first.arl


def test_same_key_with_other_content_is_refused(am, store, cabinet) -> None:  # type: ignore[no-untyped-def]
    transport = HttpsTransport(client_settings(am.url))
    lot_id, der = _lot(store, cabinet)
    transport.send_lot(lot_id, der)
    _other_id, other = _lot(store, cabinet, 2)
    with pytest.raises(ServerRejectedError) as info:
        transport.send_lot(lot_id, other)
    assert info.value.status == 409 and not info.value.retryable


def test_tampered_lot_gets_a_negative_arl(am, store, cabinet) -> None:  # type: ignore[no-untyped-def]
    transport = HttpsTransport(client_settings(am.url))
    lot_id, der = _lot(store, cabinet)
    tampered = der.replace(b'"G"', b'"C"', 1)
    assert tampered != der
    answer = transport.send_lot(lot_id, tampered)
    assert answer.arl is not None and not answer.arl.positive
    assert answer.arl.motifs[0].code == "A01"
    assert am.ledger.summary()["fse_acceptees"] == 0


def test_bad_vitale_certification_wrong_nir_key_and_unknown_lot_id(store, am, cabinet) -> None:  # type: ignore[no-untyped-def]
    transport = HttpsTransport(client_settings(am.url))
    clock = FakeClock()
    rows = create_fse(store, cabinet, 2, clock)
    fses = [r.fse() for r in rows]
    forged = [fses[0], dataclasses.replace(fses[1], certification=bytes(8))]
    lot_id = str(uuid.uuid4())
    arl = transport.send_lot(lot_id, signed_lot(forged, lot_id, software_cps())).arl
    assert arl is not None and not arl.positive
    assert [(m.code, m.fse_id) for m in arl.motifs] == [("A04", fses[1].body.fse_id)]
    # Lot id inside differs from the idempotency key.
    other = str(uuid.uuid4())
    arl = transport.send_lot(other, signed_lot(fses, str(uuid.uuid4()), software_cps())).arl
    assert arl is not None and arl.motifs[0].code == "A08"


def test_lot_signed_under_another_ca_is_refused(am, store, cabinet, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fse_support import make_pki  # billing tests helper: a throw-away CA and signer

    transport = HttpsTransport(client_settings(am.url))
    rows = create_fse(store, cabinet, 1, FakeClock())
    lot_id = str(uuid.uuid4())
    der = signed_lot([rows[0].fse()], lot_id, make_pki().signer)
    arl = transport.send_lot(lot_id, der).arl
    assert arl is not None and arl.motifs[0].code == "A02"


def test_mutual_tls_is_required_and_the_server_ca_is_pinned(am, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pki = ensure_pki()
    # A client that presents no certificate is refused by the server.
    context = ssl.create_default_context(cafile=pki.ca_cert)
    import http.client

    conn = http.client.HTTPSConnection("127.0.0.1", am.port, context=context, timeout=5)
    with pytest.raises((ssl.SSLError, ConnectionError, http.client.HTTPException)):
        conn.request("GET", "/v1/ping")
        conn.getresponse().read()
    conn.close()
    # A client that pins another CA does not talk to this server.
    transport = HttpsTransport(client_settings(am.url, ca_cert=pki.other_ca_cert))
    with pytest.raises(AuthenticationError) as info:
        transport.ping()
    assert not info.value.retryable


def test_noemie_returns_come_after_the_delay(am, store, cabinet, server_clock) -> None:  # type: ignore[no-untyped-def]
    # Fates follow the FSE's random uuid: shares high enough that 40 FSE surely hold a
    # reject and a partial payment (the default 10 % reject rate misses 1.5 % of the time).
    am.policy = ReturnPolicy(rejected_per_mille=300, partly_paid_per_mille=400)
    transport = HttpsTransport(client_settings(am.url))
    clock = FakeClock()
    create_fse(store, cabinet, 40, clock)
    (lot_id,) = close_lots(store, cabinet, clock)
    der = store.lot_der(lot_id)
    assert der is not None
    transport.send_lot(lot_id, der)
    assert transport.noemie_list(0) == []
    server_clock.now += timedelta(hours=2)
    files = transport.noemie_list(0)
    assert len(files) == 1
    noemie = parse_noemie(transport.noemie_file(files[0].seq))
    invoices = list(noemie.invoices())
    assert len(invoices) == 40
    by_id = {r.fse_uuid: r for r in store.fse_list()}
    outcomes = {i.outcome for i in invoices}
    assert outcomes == {InvoiceOutcome.PAID, InvoiceOutcome.REJECTED}
    partly = [
        i
        for i in invoices
        if i.outcome is InvoiceOutcome.PAID and i.paid_amo != by_id[i.fse_id].amo
    ]
    assert partly, "some FSE are paid less than billed"
    # Asking again gives no new file: each FSE is returned once.
    assert len(transport.noemie_list(0)) == 1


def test_adri_answers_rights_at_a_date(am) -> None:  # type: ignore[no-untyped-def]
    transport = HttpsTransport(client_settings(am.url))
    rights = transport.adri("180057511204589", "20190708", "2", date(2026, 11, 16))
    assert rights is not None
    assert rights["prenom"] == "LÉA" and rights["droits_amo_ouverts"] is True
    assert rights["organisme"]["caisse"] == "751"
    closed = transport.adri("180057511204589", "20190708", "2", date(2099, 1, 1))
    assert closed is not None and closed["droits_amo_ouverts"] is False
    assert transport.adri("180057511204589", "20190708", "3", date(2026, 11, 16)) is None


def test_server_down_is_a_retryable_refusal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    transport = HttpsTransport(client_settings(f"https://127.0.0.1:{port}"))
    with pytest.raises(ServerUnavailableError) as info:
        transport.ping()
    assert info.value.retryable and info.value.kind == "refused"
