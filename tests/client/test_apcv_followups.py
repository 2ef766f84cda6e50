"""The ApCV's second pass, end to end through the real HTTPS of the simulated ApCV service
and Assurance Maladie and a real SQLite store: a téléconsultation is recorded in the FSE
(document, receipt, ``sesam fse show``'s summary) and the caisse refuses a code reserved to
it on an FSE that is not one; every list says « ApCV » with its garantie de paiement; a
rejected ApCV FSE is rectified with a new code of the patient (garantie de paiement) or
sans Vitale by ADRi (without), a code of another patient refused and nothing written."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from am_support import CARE_DATE, client_settings, signed_lot, software_cps, write_settings
from apcv_support import Services, apcv, code, ctx
from cli_support import PIN, sesam
from fse_cards_support import cards
from scor_support import pdftotext
from test_rectify_cli import _reject

from billing.arl import Arl, ArlStatus
from billing.fse import Fse, body_from_document, secure
from billing.fse_schema import validate_fse
from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState
from client import dashboard, documents
from client.apcv import ApcvError, ApcvFault, SessionSigner, open_session
from client.cli.fse_report import fse_summary
from client.fse_search import search
from client.fse_service import FseService, parse_fse_input
from client.labels import mode_guarantees_payment
from client.rectify import RectifyRequest, rectify, rectify_draft
from client.rectify_apcv import APCV_CHOICES, prepare
from client.store import FseRow, Store
from client.store.search import FseFilter
from client.transport import HttpsTransport
from testbed.am.server import AmServer
from testbed.apcv.server import ApcvServer
from testbed.cards.server import CardServer

__all__ = ["apcv", "ctx"]  # fixtures (``am``: conftest.py)


def apcv_fse(ctx: Services, store: Store, *, who: str = "EMMA", tc: bool = False) -> FseRow:
    """The FSE of one of the family's bénéficiaires, secured with a fresh code."""
    session = open_session(ctx, code("vitale-famille"), CARE_DATE)
    person = next(b for b in session.beneficiaries if b.prenom == who)
    request = parse_fse_input(
        {
            "date_of_care": CARE_DATE.isoformat(),
            "acts": [{"code": "G"}],
            "mode": "apcv",
            "identity": person.identity(),
            "tiers_payant": {"amo": True, "amc": False},
            "teleconsultation": tc,
        }
    )
    return FseService(store).create(
        request, cards(vitale_profile=None).cps, None, apcv=SessionSigner(ctx, session)
    )


def send(ctx: Services, fses: list[Fse], number: int) -> Arl:
    lot_id = str(uuid4())
    answer = HttpsTransport(ctx.settings).send_lot(
        lot_id, signed_lot(fses, lot_id, software_cps(), number)
    )
    assert answer.arl is not None
    return answer.arl


def test_a_teleconsultation_is_recorded_shown_and_accepted(
    ctx: Services, store: Store, tmp_path: Path
) -> None:
    row = apcv_fse(ctx, store, tc=True)
    document = json.loads(row.canonical)
    validate_fse(document)  # the published schema knows the field
    assert document["body"]["teleconsultation"] is True and row.fse().body.teleconsultation
    summary = fse_summary(row, store)  # sesam fse show / fse create
    assert summary["teleconsultation"] is True and summary["mode"] == "apcv"
    receipt = " ".join(pdftotext(documents.receipt_pdf(store, row.number), tmp_path).split())
    assert "Téléconsultation" in receipt
    # At the cabinet: no such key, the digests of every other FSE are what they were.
    other = apcv_fse(ctx, store, who="LUCAS")
    assert "teleconsultation" not in json.loads(other.canonical)["body"]
    assert fse_summary(other, store)["teleconsultation"] is False
    assert send(ctx, [row.fse(), other.fse()], 1).status is ArlStatus.POSITIVE


def _sans_vitale(fse: Fse, act: str, *, tc: bool) -> Fse:
    """Another FSE of the same patient billing ``act``, secured sans Vitale."""
    doc = fse.to_document()["body"]
    doc["fse_id"] = str(uuid4())
    doc["securing"] = {"mode": "sans_vitale", "vitale_serial": "", "degrade_reason": ""}
    doc["beneficiary"]["identification"] = "adri"
    doc["acts"][0]["code"] = act
    doc.pop("teleconsultation", None)
    if tc:
        doc["teleconsultation"] = True
    return secure(body_from_document(doc), None)


def test_the_caisse_refuses_a_teleconsultation_code_outside_one(
    ctx: Services, store: Store
) -> None:
    fse = apcv_fse(ctx, store).fse()
    refused = send(ctx, [_sans_vitale(fse, "TC2", tc=False)], 7)
    assert refused.status is ArlStatus.NEGATIVE
    assert [m.code for m in refused.motifs] == ["A15"] and "TC2" in refused.motifs[0].label
    assert send(ctx, [_sans_vitale(fse, "TC2", tc=True)], 8).status is ArlStatus.POSITIVE


def test_every_list_says_apcv_with_its_garantie(ctx: Services, store: Store) -> None:
    row = apcv_fse(ctx, store)
    assert [r.mode for r in store.fse_list()] == ["apcv"]
    assert [r.mode for r in search(store, FseFilter(), limit=10)] == ["apcv"]
    assert [r.mode for r in store.returns.reconcile_rows(())] == ["apcv"]
    assert fse_summary(row, store)["garantie_paiement"] is True
    # The dashboard's share by mode, for whoever looks (issue #26).
    now = datetime.now(UTC)
    mine = dashboard.compute(store, CARE_DATE, CARE_DATE, now, frozenset({row.practitioner_id}))
    assert mine.mode_counts["apcv"] == 1 and mine.mode_counts["vitale"] == 0
    theirs = dashboard.compute(store, CARE_DATE, CARE_DATE, now, frozenset({"999999999"}))
    assert theirs.mode_counts == {"vitale": 0, "apcv": 0, "sans_vitale": 0, "degrade": 0}
    assert mode_guarantees_payment("apcv") and mode_guarantees_payment("vitale")
    assert not mode_guarantees_payment("sans_vitale") and not mode_guarantees_payment("degrade")


def rejected(store: Store, row: FseRow) -> FseRow:
    """The caisse's answer as the returns record it: sent, ARL positive, NOEMIE reject."""
    the_cards = cards(vitale_profile=None)
    FseService(store).close_lots(the_cards.session, the_cards.cps, all_lots=True)
    row = store.fse_by_number(row.number)
    assert row.lot_id is not None
    now = datetime.now(UTC)
    store.lot_transition(row.lot_id, LotState.SENT, FseState.SENT, FseEventKind.SENT, now)
    store.lot_transition(
        row.lot_id, LotState.ACKNOWLEDGED, FseState.ACKNOWLEDGED, FseEventKind.ARL_POSITIVE, now
    )
    store.transition_fse(row.id, FseState.REJECTED, FseEventKind.REJECTED, now, "motif 140")
    return store.fse_by_number(row.number)


def test_a_rejected_apcv_fse_is_rectified_with_a_new_code(ctx: Services, store: Store) -> None:
    original = rejected(store, apcv_fse(ctx, store, tc=True))
    assert rectify_draft(store, original.fse_uuid).apcv  # the dialog offers the choice
    request, signer = prepare(ctx, original, RectifyRequest(original.number), code())
    done = rectify(FseService(store), request, cards(vitale_profile=None).cps, None, apcv=signer)
    new = done.rectificative
    assert new.mode == "apcv" and new.fse().apcv_signature  # garantie de paiement again
    body = new.fse().body
    assert body.beneficiary.patient_key == original.fse().body.beneficiary.patient_key
    assert body.teleconsultation and body.rectifies is not None
    assert done.original.state is FseState.RECTIFIED


def test_without_a_new_code_the_rectificative_goes_sans_vitale_by_adri(
    ctx: Services, store: Store
) -> None:
    original = rejected(store, apcv_fse(ctx, store))
    assert "nouveau code ApCV" in APCV_CHOICES and "sans garantie de paiement" in APCV_CHOICES
    request, signer = prepare(ctx, original, RectifyRequest(original.number))
    assert signer is None
    new = rectify(FseService(store), request, cards(vitale_profile=None).cps, None).rectificative
    assert new.mode == "sans_vitale" and not mode_guarantees_payment(new.mode)
    assert new.fse().body.beneficiary.identification.value == "adri"
    assert fse_summary(new, store)["garantie_paiement"] is False


def test_a_new_code_of_another_patient_is_refused_and_nothing_written(
    ctx: Services, store: Store
) -> None:
    original = rejected(store, apcv_fse(ctx, store))
    with pytest.raises(ApcvError) as caught:
        prepare(ctx, original, RectifyRequest(original.number), code("vitale-ald"))
    assert caught.value.fault is ApcvFault.OTHER_PATIENT and "garantie de paiement" in str(
        caught.value
    )
    assert store.fse_by_number(original.number).state is FseState.REJECTED
    assert store.fse_count() == 1


@pytest.mark.pcsc
def test_sesam_shows_the_teleconsultation_and_rectifies_with_a_new_code(
    card_server: CardServer, am: AmServer, apcv: ApcvServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    write_settings(data_dir, client_settings(am.url, apcv_url=apcv.url))
    card_server.insert(0, "cps-generaliste")
    path = tmp_path / "demande.json"
    path.write_text(
        json.dumps(
            {
                "date_of_care": CARE_DATE.isoformat(),
                "acts": [{"code": "G"}],
                "beneficiary": 2,
                "teleconsultation": True,
            }
        ),
        "utf-8",
    )
    made = sesam(data_dir, "fse", "create", "--json", str(path), "--apcv", code(),
                 "--pin-stdin", stdin=PIN)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["teleconsultation"] is True
    shown = sesam(data_dir, "fse", "show", "1").stdout
    assert "mode ApCV (appli carte Vitale), téléconsultation" in shown
    closed = sesam(data_dir, "lot", "close", "--all", "--pin-stdin", stdin=PIN)
    assert closed.returncode == 0, closed.stderr
    _reject(data_dir, 1)

    done = sesam(data_dir, "fse", "rectify", "1", "--apcv", code(), "--pin-stdin", stdin=PIN)
    assert done.returncode == 0, done.stderr
    new = json.loads(done.stdout)
    assert new["mode"] == "apcv" and new["garantie_paiement"] is True
    assert new["rectifie"]["numero"] == 1 and new["teleconsultation"] is True
