"""The receptionist prepares, the doctor signs on his post (issue #26), through the desk:
post A (the application layer, the receptionist's CPE read in its reader) prepares an
invoice addressed to Dr RENAUD; post B's desk, his CPS and the patient's Vitale in the
real virtual readers, lists it « préparée par » her, opens it with its patient and acts,
secures the FSE under his number, and the invoice is gone from every post's list — one
store for both posts (the SQLite file, or PostgreSQL under ``SESAM_TEST_POSTGRES``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from cardio.cps import CpsSession
from cardio.vitale import VitaleReader
from client import desk
from client.context import AppContext, build_context
from client.store.cabinet import MemberRole
from client.usecases import scope
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card
from tests.ui.conftest import FakeBackend, PinAnswers
from ui import services
from ui.session import person_name

pytestmark = pytest.mark.pcsc

CPS_READER, VITALE_READER = 0, 1
RENAUD, LEFEVRE = "751234568", "752345678"
RENAUD_CARD, LEFEVRE_CARD = "810100123456", "810100234567"


@pytest.fixture
def reception(pcsc_ctx: AppContext, fixed_clock) -> Iterator[AppContext]:
    """Post A, on the cabinet's store (the same database as post B's)."""
    post = build_context(backend=FakeBackend(), clock=fixed_clock, data_dir=pcsc_ctx.data_dir)
    yield post
    post.close()


def _prepare(post: AppContext, addressed_to: str) -> tuple[str, str]:
    """Post A: the receptionist's CPE read (PIN), the family's Vitale read, a G for
    PIERRE prepared and addressed; (draft id, her name)."""
    cpe = CpsSession(EmulatedConnection(make_card("cpe-secretaire")))
    cpe.verify_pin("1234")
    identity, (situation,) = cpe.read_identity(), cpe.read_situations()
    scope.look_from_card(post, identity.national_id)  # what her desk does with her card in
    vitale = VitaleReader(EmulatedConnection(make_card("vitale-famille"))).read()
    invoice = desk.Invoice(
        patient=desk.InvoicePatient("vitale", vitale.beneficiaries[0], vitale, "Lecteur B"),
        care_date=date.today(),
        acts=(desk.InvoiceAct("G"),),
        situation=situation,
    )
    by = scope.PreparedBy(identity.national_id, person_name(identity), addressed_to)
    return services.save_draft(post, invoice, None, by), by.name


def test_the_doctor_signs_on_his_post_what_the_receptionist_prepared_on_hers(
    qtbot, pcsc_window, pcsc_ctx: AppContext, reception: AppContext, card_server
) -> None:
    now = datetime.now(UTC)

    def cabinet(store):  # two doctors: each card sees its own practitioner's
        store.cabinet.add_member(RENAUD_CARD, RENAUD, MemberRole.TITULAIRE, now)
        store.cabinet.add_member(LEFEVRE_CARD, LEFEVRE, MemberRole.TITULAIRE, now)

    reception.db.submit(cabinet).result()
    mine, her_name = _prepare(reception, RENAUD)  # her CPE's situation: Dr RENAUD's
    _prepare(reception, LEFEVRE)  # for his colleague: never on his desk
    assert "PETIT" in her_name

    # Post B: Dr RENAUD's CPS, the patient's Vitale.
    pcsc_window.interaction.prompt = PinAnswers("1234")
    card_server.insert(CPS_READER, "cps-generaliste", fresh=True)
    card_server.insert(VITALE_READER, "vitale-famille", fresh=True)
    page = pcsc_window.billing_page
    panel, invoice = page.patient_panel, page.invoice_panel
    qtbot.waitUntil(lambda: pcsc_window.session.practitioner is not None, timeout=15000)
    qtbot.waitUntil(lambda: panel.drafts_combo.count() == 1, timeout=10000)
    assert pcsc_ctx.viewer is not None and pcsc_ctx.viewer.practitioner_ids == {RENAUD}
    (listed,) = [d for d in scope.desk_drafts(pcsc_ctx)]
    saved = listed.saved_at.astimezone()
    assert panel.drafts_combo.itemText(0) == (
        f"PIERRE DURAND — G — préparée par {her_name} le {saved:%d/%m/%Y} à {saved:%H:%M}"
    )
    # The notice says who prepared it, and where to find it.
    qtbot.waitUntil(lambda: not page.addressed_notice.isHidden(), timeout=10000)
    assert f"la première par {her_name} le {saved:%d/%m/%Y}" in page.addressed_notice.text()
    assert "(G)" in page.addressed_notice.text()

    qtbot.waitUntil(lambda: panel.beneficiaries.count() == 5, timeout=10000)
    panel.resume_button.click()  # Ctrl+E
    assert pcsc_window.session.patient.name == "PIERRE DURAND"
    assert pcsc_window.session.patient.source == "vitale"  # his card is in: secured Vitale
    assert invoice.codes_on_invoice() == ["G"] and invoice.draft_id == mine
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=10000)
    invoice.secure()
    qtbot.waitUntil(lambda: "FSE n° 1" in invoice.state_label.text(), timeout=20000)

    rows = pcsc_ctx.db.submit(lambda store: store.fse_list()).result()
    assert [(r.practitioner_id, r.number, r.mode) for r in rows] == [(RENAUD, 1, "vitale")]
    signed = rows[0].fse().body.practitioner
    assert signed.national_id == RENAUD_CARD  # signed by his CPS, not the receptionist's
    # Billed: gone from his list and from the reception's, never to be billed again.
    qtbot.waitUntil(lambda: panel.drafts_combo.count() == 0, timeout=10000)
    left = scope.desk_drafts(reception)
    assert [d.addressed_to for d in left] == [LEFEVRE]
    assert not pcsc_ctx.db.submit(lambda store: store.cabinet.draft_waiting(mine)).result()

    # The next one, prepared while his card is in: it shows up on his desk by itself.
    page.drafts_timer.setInterval(200)
    _prepare(reception, RENAUD)
    qtbot.waitUntil(lambda: panel.drafts_combo.count() == 1, timeout=10000)
    assert panel.drafts_combo.itemText(0).startswith("PIERRE DURAND — G — préparée par")
