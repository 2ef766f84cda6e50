"""The ApCV end to end, through the real HTTPS of the simulated ApCV service and
Assurance Maladie and a real SQLite store: a parent's application opens a session with his
children and their rights, the FSE of one child is secured « ApCV » (the service's
signature), goes in a lot signed by the CPS and is accepted; every fault is refused in
French with the way out, and nothing is half-written."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from am_support import CARE_DATE, signed_lot, software_cps
from apcv_support import Services, apcv, code, ctx, expired_code, foreign_code
from fse_cards_support import cards
from scor_support import pdftotext

from billing.arl import ArlStatus
from billing.fse import Fse, SecuringMode, body_from_document, secure
from client import dashboard, desk, documents
from client.apcv import ApcvError, ApcvFault, SessionSigner, open_session, read_code
from client.apcv.errors import WAY_OUT
from client.fse_service import FseService, parse_fse_input
from client.labels import mode_label
from client.store import Store
from client.transport import HttpsTransport
from testbed.apcv.server import ApcvServer

__all__ = ["apcv", "ctx"]  # fixtures (``am``: conftest.py)


def request_for(identity: dict[str, object]) -> object:
    return parse_fse_input(
        {
            "date_of_care": CARE_DATE.isoformat(),
            "acts": [{"code": "G"}],
            "mode": "apcv",
            "identity": identity,
            "tiers_payant": {"amo": True, "amc": False},
        }
    )


def secure_child(ctx: Services, store: Store) -> Fse:
    session = open_session(ctx, code("vitale-famille"), CARE_DATE)
    emma = next(b for b in session.beneficiaries if b.prenom == "EMMA")
    row = FseService(store).create(
        request_for(emma.identity()),  # type: ignore[arg-type]
        cards(vitale_profile=None).cps,
        None,
        apcv=SessionSigner(ctx, session),
    )
    assert row.mode == "apcv"
    return row.fse()


def test_a_parents_apcv_secures_a_childs_fse_accepted_by_the_caisse(
    ctx: Services, store: Store, tmp_path: Path
) -> None:
    session = open_session(ctx, code("vitale-famille"), CARE_DATE)
    # The parent and the three children, with their rights at the date of care (ADRi).
    names = [b.prenom for b in session.beneficiaries]
    assert names == ["PIERRE", "LUCAS", "EMMA", "LÉA"]
    assert all(b.rights_at(CARE_DATE).amo for b in session.beneficiaries)
    assert session.care_date == CARE_DATE and session.transport == "qr"

    the_cards = cards(vitale_profile=None)
    emma = session.beneficiaries[2]
    row = FseService(store).create(
        request_for(emma.identity()),  # type: ignore[arg-type]
        the_cards.cps,
        None,
        apcv=SessionSigner(ctx, session),
    )
    assert row.mode == "apcv"  # lists, receipts and the dashboard say « ApCV »
    document = json.loads(row.canonical)
    assert document["body"]["securing"]["apcv_session"] == session.session_id
    assert document["body"]["beneficiary"]["identification"] == "apcv"
    assert document["apcv_signature"] and document["vitale_certification"] == ""

    # The receipt and the dashboard say how it was secured.
    receipt = " ".join(pdftotext(documents.receipt_pdf(store, row.number), tmp_path).split())
    assert "sécurisée par l'application carte Vitale (ApCV)" in receipt
    board = dashboard.compute(store, CARE_DATE, CARE_DATE, datetime.now(UTC))
    assert board.mode_counts == {"vitale": 0, "apcv": 1, "sans_vitale": 0, "degrade": 0}
    assert board.to_json()["part_par_mode"]["apcv"] == "100.0"
    assert mode_label(store.fse_list()[0].mode) == "ApCV (appli carte Vitale)"

    # In a secured lot signed by the CPS; the caisse checks the ApCV signature: positive.
    closed = FseService(store).close_lots(the_cards.session, the_cards.cps, all_lots=True)
    assert len(closed) == 1 and closed[0].lot.mode == "vitale"
    der = store.lot_der(closed[0].lot.id)
    assert der is not None
    answer = HttpsTransport(ctx.settings).send_lot(closed[0].lot.id, der)
    assert answer.arl is not None and answer.arl.status is ArlStatus.POSITIVE
    # The books agree with the journal and the secured document (sesam audit verify).
    report = store.audit_verify()
    assert report.ok, report.message()


def _replayed(fse: Fse, signature: bytes) -> Fse:
    """Another FSE (new id and number) carrying ``signature``: made for ``fse`` (a replay)
    or by anybody (a forgery)."""
    doc = fse.to_document()
    doc["body"]["fse_id"] = str(uuid4())
    doc["body"]["number"] = fse.number + 1
    body = body_from_document(doc["body"])
    return secure(body, None, _Fixed(body.apcv_session, signature))


class _Fixed:
    """An ApCV signer that hands out a signature it was given (replay, forgery)."""

    def __init__(self, session_id: str, signature: bytes) -> None:
        self.session_id = session_id
        self._signature = signature

    def sign_fse(self, digest32: bytes, patient_key: str) -> bytes:
        return self._signature


def test_the_caisse_refuses_a_replayed_or_foreign_apcv_signature(
    ctx: Services, store: Store
) -> None:
    fse = secure_child(ctx, store)
    replay = _replayed(fse, fse.apcv_signature)
    forged = _replayed(fse, bytes.fromhex("3045022100" + "11" * 32 + "0220" + "22" * 32))
    transport = HttpsTransport(ctx.settings)
    for fses in ([replay], [forged]):
        lot_id = str(uuid4())
        arl = transport.send_lot(lot_id, signed_lot(fses, lot_id, software_cps())).arl
        assert arl is not None and arl.status is ArlStatus.NEGATIVE
        assert [m.code for m in arl.motifs] == ["A13"]
        assert "Signature ApCV invalide" in arl.motifs[0].label


def test_each_fault_is_refused_in_french_with_the_way_out(
    ctx: Services, store: Store, apcv: ApcvServer
) -> None:
    def refused(text: str) -> ApcvError:
        with pytest.raises(ApcvError) as caught:
            open_session(ctx, text, CARE_DATE)
        assert WAY_OUT in str(caught.value)  # a new code, or ADRi / dégradé without garantie
        assert "garantie de paiement" in str(caught.value)
        return caught.value

    assert refused("3760123456789").fault is ApcvFault.NOT_A_CODE  # a box's barcode
    assert refused(foreign_code()).fault is ApcvFault.FOREIGN
    once = code()
    open_session(ctx, once, CARE_DATE)
    assert refused(once).fault is ApcvFault.USED
    # Expired: said at once by the desk, the service is not even asked.
    apcv.stop()
    started = time.monotonic()
    assert refused(expired_code()).fault is ApcvFault.EXPIRED
    # The service unreachable: the ApCV needs the network, said without a long wait.
    error = refused(code())
    assert error.fault is ApcvFault.OFFLINE and "besoin du réseau" in str(error)
    assert time.monotonic() - started < 3
    assert store.fse_count() == 0


def test_a_service_answering_garbage_is_refused(ctx: Services, apcv: ApcvServer) -> None:
    apcv.garbage = True
    with pytest.raises(ApcvError) as caught:
        open_session(ctx, code(), CARE_DATE)
    assert caught.value.fault is ApcvFault.GARBAGE and "illisible" in str(caught.value)


def test_a_session_for_another_patient_writes_nothing(ctx: Services, store: Store) -> None:
    session = open_session(ctx, code("vitale-famille"), CARE_DATE)
    stranger = open_session(ctx, code("vitale-ald"), CARE_DATE).beneficiaries[0]
    with pytest.raises(ApcvError) as caught:
        FseService(store).create(
            request_for(stranger.identity()),  # type: ignore[arg-type]
            cards(vitale_profile=None).cps,
            None,
            apcv=SessionSigner(ctx, session),
        )
    assert caught.value.fault is ApcvFault.OTHER_PATIENT
    assert "n'est pas présenté par cette ApCV" in str(caught.value)
    assert store.fse_count() == 0


def test_a_session_signs_one_fse_only(ctx: Services, store: Store) -> None:
    session = open_session(ctx, code("vitale-famille"), CARE_DATE)
    service = FseService(store)
    lucas = session.beneficiaries[1]
    cps = cards(vitale_profile=None).cps
    signer = SessionSigner(ctx, session)
    service.create(request_for(lucas.identity()), cps, None, apcv=signer)  # type: ignore[arg-type]
    with pytest.raises(ApcvError) as caught:
        service.create(request_for(lucas.identity()), cps, None, apcv=signer)  # type: ignore[arg-type]
    assert caught.value.fault is ApcvFault.SESSION_USED
    assert store.fse_count() == 1


def test_the_code_is_read_as_a_scanner_types_it() -> None:
    text = code("vitale-famille", trusted_third_party="MARTIN Julie")
    typed = text[:40] + "\n" + text[40:] + "\r\n"  # a wedge scanner's line ends
    read = read_code(typed, datetime.now(UTC))
    assert read.text == text and read.beneficiary_count == 4
    assert read.trusted_third_party == "MARTIN Julie"
    assert SecuringMode.APCV.lot_mode is SecuringMode.VITALE


def test_an_apcv_patient_billed_in_degrade_carries_no_apcv_identity(ctx: Services) -> None:
    session = open_session(ctx, code("vitale-famille"), CARE_DATE)
    person = session.beneficiaries[0]
    on_screen = desk.InvoicePatient(desk.PatientSource.APCV, person, session)
    secured = desk.fse_request(desk.Invoice(on_screen, CARE_DATE, (desk.InvoiceAct("G"),)))
    assert secured.mode is SecuringMode.APCV
    assert secured.identity is not None and secured.identity.last_name == "DURAND"
    # The session did not secure: dégradé with the identity it gave, no garantie claimed.
    fallback = desk.InvoicePatient(
        desk.PatientSource.DEGRADED, person, None, degrade_reason="carte Vitale absente"
    )
    degraded = desk.fse_request(desk.Invoice(fallback, CARE_DATE, (desk.InvoiceAct("G"),)))
    assert degraded.mode is SecuringMode.DEGRADE and degraded.identity is not None
    assert degraded.identity.beneficiary.identification.value == "adri"
