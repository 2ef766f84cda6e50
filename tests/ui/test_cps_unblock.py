"""A blocked CPS at the desk: the message offers « Débloquer avec le code PUK… », the
dialog takes the PUK and the new PIN twice, a wrong PUK shows its tries left, and the
practitioner is then signed in with the new PIN (no third typing)."""

from __future__ import annotations

from testbed.cards.factory import make_card
from testbed.cards.profiles import CpsProfile, load_profile
from tests.ui.conftest import PinAnswers
from tests.ui.test_desk import answer_modal
from ui.qt import QDialogButtonBox, QLineEdit, QMessageBox, Qt

REJECT = QMessageBox.ButtonRole.RejectRole


def type_codes(qtbot, dialog, puk: str, pin: str, again: str) -> None:  # type: ignore[no-untyped-def]
    for name, text in (("pukEdit", puk), ("newPinEdit", pin), ("newPinAgainEdit", again)):
        edit = dialog.findChild(QLineEdit, name)
        edit.clear()
        qtbot.keyClicks(edit, text)


def ok_button(dialog):  # type: ignore[no-untyped-def]
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def test_blocked_cps_unblocked_with_its_puk_from_the_desk(qtbot, window, fake_backend) -> None:
    profile = load_profile("cps-bloquee")
    assert isinstance(profile, CpsProfile)
    puk = profile.puk
    pins = PinAnswers("1234")
    window.interaction.prompt = pins
    told: dict[str, str] = {}

    def second_try(dialog) -> None:  # type: ignore[no-untyped-def]
        told["status"] = dialog.findChild(type(dialog.status_label), "pukStatus").text()
        type_codes(qtbot, dialog, puk, "4321", "4321")
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)

    def first_try(dialog) -> None:  # type: ignore[no-untyped-def]
        type_codes(qtbot, dialog, "87654321", "4321", "4312")
        told["mismatch"] = dialog.status_label.text()
        told["ok_on_mismatch"] = str(ok_button(dialog).isEnabled())
        type_codes(qtbot, dialog, "87654321", "4321", "4321")  # a wrong PUK
        answer_modal(qtbot, "pukDialog", second_try)
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)

    def offer(box) -> None:  # type: ignore[no-untyped-def]
        told["offer"] = box.text()
        unblock = next(b for b in box.buttons() if b.text() == "Débloquer avec le code PUK…")
        answer_modal(qtbot, "pukDialog", first_try)
        qtbot.mouseClick(unblock, Qt.MouseButton.LeftButton)

    answer_modal(qtbot, "cpsBlockedBox", offer)
    window.start()
    card = make_card("cps-bloquee")
    fake_backend.insert("Lecteur A", card)
    qtbot.waitUntil(lambda: window.session.practitioner is not None, timeout=15000)

    assert "est bloquée" in told["offer"]
    assert told["mismatch"] == "Les deux nouveaux codes porteur diffèrent."
    assert told["ok_on_mismatch"] == "False"
    assert told["status"] == "Code PUK incorrect. Il reste 9 essais."
    assert pins.asked == []  # the new PIN typed in the dialog signed in: not asked again
    assert card.pin_verified is True
    assert window.session.practitioner.identity.nom == "FAURE"


def test_declining_the_unblock_leaves_the_card_blocked_quietly(qtbot, window, fake_backend) -> None:
    pins = PinAnswers("1234")
    window.interaction.prompt = pins
    seen = answer_modal(
        qtbot,
        "cpsBlockedBox",
        lambda box: qtbot.mouseClick(
            next(
                b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole
            ),
            Qt.MouseButton.LeftButton,
        ),
    )
    failures: list[BaseException] = []
    window.card_flow.card_failed.connect(lambda _r, exc: failures.append(exc))
    window.start()
    card = make_card("cps-bloquee")
    fake_backend.insert("Lecteur A", card)
    qtbot.waitUntil(lambda: len(failures) == 1, timeout=15000)
    assert seen == ["cpsBlockedBox"]
    assert type(failures[0]).__name__ == "CardOperationCancelled"
    assert pins.asked == [] and window.session.practitioner is None
    assert card.pin_tries_left == 0 and card.puk_tries_left == 10
