"""The desk says who is looking (issue #26): the doctor's CPS in the reader of his post
finds the invoice the receptionist prepared for him on hers, and his post's lists and
dashboard are scoped to his own accounts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from client.store.cabinet import MemberRole
from client.usecases import views
from testbed.cards.factory import make_card
from tests.ui.conftest import PinAnswers

RENAUD = "751234568"  # cps-generaliste's billing number and key
RENAUD_CARD = "810100123456"
LEFEVRE = "752345678"
SECRETAIRE_CARD = "cpe-secretaire"


def test_the_doctor_finds_on_his_post_the_invoice_prepared_for_him(
    qtbot, window, fake_backend, ctx
) -> None:
    now = datetime.now(UTC)

    def reception_post(store):  # the receptionist's post, on the cabinet's database
        store.cabinet.add_member(SECRETAIRE_CARD, RENAUD, MemberRole.RECEPTIONIST, now)
        store.cabinet.add_member("810100234567", LEFEVRE, MemberRole.TITULAIRE, now)
        document = json.dumps({"actes": ["G"]})
        store.cabinet.address_draft(
            "d-1", document, addressed_to=RENAUD, prepared_by=SECRETAIRE_CARD, now=now
        )
        store.cabinet.address_draft(
            "d-2", "{}", addressed_to=LEFEVRE, prepared_by=SECRETAIRE_CARD, now=now
        )

    ctx.db.submit(reception_post).result()
    notice = window.billing_page.addressed_notice
    assert notice.isHidden()  # no card in: nothing addressed to anybody yet

    window.interaction.prompt = PinAnswers("1234")
    window.start()
    fake_backend.insert("Lecteur A", make_card("cps-generaliste"))
    qtbot.waitUntil(lambda: window.session.practitioner is not None, timeout=10000)
    qtbot.waitUntil(lambda: not notice.isHidden(), timeout=10000)
    assert "1 facture(s) préparée(s) pour vous" in notice.text()
    assert SECRETAIRE_CARD in notice.text() and "(G)" in notice.text()
    # His post now shows his own accounts only (not LEFÈVRE's).
    assert ctx.viewer is not None and ctx.viewer.practitioner_ids == {RENAUD}
    assert views.load_dashboard(ctx).fse_count == 0

    fake_backend.remove("Lecteur A")  # the card leaves: the notice goes with it
    qtbot.waitUntil(notice.isHidden, timeout=10000)
    assert ctx.viewer is None
