"""End to end over real HTTPS: a dégradé FSE made by the FSE service with the emulated cards,
its printed feuille de soins, its scan from the SANE test backend as a PJ, the invoice lot
and the PJ lot signed by the CPS, sent by the real sender to the simulated Assurance
Maladie: the PJ lot leaves after its invoice lot and is answered by an ARL PJ."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from am_support import FakeClock, client_settings, close_lots, open_cabinet
from scor_support import pdftotext, qpdf_check

from billing.arl import parse_arl
from billing.lot_states import LotState
from client import documents
from client.fse_service import FseService, parse_fse_input
from client.scor import scan
from client.scor.normalize import normalize_bytes
from client.scor.pj import PjService, PjStatus
from client.sender import Sender
from client.store import Store
from client.transport import HttpsTransport
from testbed.am.server import AmServer


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[AmServer]:
    am = AmServer(ledger_path=tmp_path / "ledger.sqlite", control_port=None).start()
    yield am
    am.stop()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "sesam.db"


def test_degrade_fse_with_scanned_pj_is_sent_after_its_lot_and_acknowledged(
    server: AmServer, store: Store, tmp_path: Path
) -> None:
    clock = FakeClock()
    cabinet = open_cabinet()
    fse = FseService(store, clock=clock).create(
        parse_fse_input(
            {
                "date_of_care": clock.now.date().isoformat(),
                "practitioner": {},
                "patient": {},
                "acts": [{"code": "G"}],
                "beneficiary": 0,
                "mode": "degrade",
                "degrade_reason": "carte Vitale défectueuse",
                "tiers_payant": {"amo": True, "amc": False},
            }
        ),
        cabinet.cps,
        cabinet.vitale,
    )
    assert fse.mode == "degrade" and not fse.vitale_certification

    # The paper feuille de soins, printed for the patient to sign.
    sheet = documents.feuille_de_soins_pdf(store, fse.number)
    qpdf_check(sheet, tmp_path)
    assert "SESAM « dégradé »" in " ".join(pdftotext(sheet, tmp_path).split())

    # The signed paper, scanned on the SANE test backend, checked by the user.
    pjs = PjService(store, tmp_path / "data", clock=clock)
    pj = pjs.attach(fse.number, normalize_bytes(scan.scan_page("test:0")), "scan:test:0")
    pjs.accept(pj.id)

    (invoice_lot,) = close_lots(store, cabinet, clock)
    (pj_lot,) = pjs.build_lots(cabinet.signer)

    transport = HttpsTransport(client_settings(server.url))
    sender = Sender(
        store,
        transport,
        settings=client_settings(server.url),
        clock=clock,
        rng=random.Random(3),  # noqa: S311 - backoff jitter, not cryptography
    )
    report = sender.run(until_empty=True, max_seconds=30)
    assert report.failed == 0

    assert store.lot_by_id(invoice_lot).state is LotState.ACKNOWLEDGED
    assert store.lot_by_id(pj_lot).state is LotState.ACKNOWLEDGED  # the ARL PJ, positive
    received = [parse_arl(arl).lot_id for _seq, arl in server.ledger.arls_after(0)]
    assert received.index(invoice_lot) < received.index(pj_lot)

    pjs.refresh()
    done = pjs.get(pj.id)
    assert done.status is PjStatus.ACKNOWLEDGED and done.transmitted_at is not None
