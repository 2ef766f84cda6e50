"""Where the patient's ApCV code (application carte Vitale) arrives at the desk: a
keyboard-wedge scanner or an NFC reader types it into the field and ends with Entrée, a
téléconsultation's patient pastes it, or it is read from an image file (a photo, a
screenshot) or a camera's frame (``ui.widgets.apcv_camera``) by the zxing-cpp decoder.
Each emits ``code_entered``; the session is opened by the desk's look-ups
(``ui.widgets.patient_lookup``)."""

from __future__ import annotations

from pathlib import Path

from client.apcv import ApcvError, ApcvFault, ApcvSession, decode_image
from ui.qt import (
    QFileDialog,
    QHBoxLayout,
    QImage,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.translation import tr
from ui.widgets.apcv_camera import CameraReader, camera_unavailable, frame_image


def session_text(session: ApcvSession) -> str:
    """What the patient panel says of an open session."""
    count = len(session.beneficiaries)
    how = "NFC" if session.transport == "nfc" else "QR code"
    text = (
        f"ApCV (application carte Vitale, {how}) : {count} bénéficiaire"
        f"{'s' if count > 1 else ''}, droits au {session.care_date:%d/%m/%Y} lus en ligne. "
        "Choisissez le bénéficiaire ; la FSE sera sécurisée ApCV (garantie de paiement)."
    )
    if session.trusted_third_party:
        text += f" Présentée par un tiers de confiance : {session.trusted_third_party}."
    return text


class ApcvEntry(QWidget):
    """The code's field, its « image » button and a line saying what happened."""

    code_entered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.field = QLineEdit()
        self.field.setObjectName("apcvCode")
        self.field.setPlaceholderText(tr("Code ApCV : scannez le QR code du téléphone, ou collez"))
        self.field.setToolTip(
            tr(
                "Application carte Vitale : le lecteur (QR code ou NFC) tape le code puis "
                "Entrée ; en téléconsultation, collez le code que le patient vous transmet."
            )
        )
        self.field.returnPressed.connect(self._on_return)
        row.addWidget(self.field, 1)
        self.image_button = QPushButton(tr("Image…"))
        self.image_button.setObjectName("apcvImage")
        self.image_button.setToolTip(tr("Lire le QR code ApCV dans une photo ou une capture"))
        self.image_button.clicked.connect(self._choose_image)
        row.addWidget(self.image_button)
        self.camera_button = QPushButton(tr("Caméra"))
        self.camera_button.setObjectName("apcvCamera")
        self.camera_button.setToolTip(tr("Lire le QR code ApCV du téléphone présenté à la caméra"))
        self.camera_button.clicked.connect(self.use_camera)
        row.addWidget(self.camera_button)
        self._camera: CameraReader | None = None
        layout.addLayout(row)
        self.hint = QLabel("")
        self.hint.setObjectName("apcvHint")
        self.hint.setWordWrap(True)
        self.hint.setVisible(False)
        layout.addWidget(self.hint)

    def _on_return(self) -> None:
        text = self.field.text().strip()
        # The code is single-use: it leaves the field at once, never to be sent twice.
        self.field.clear()
        if text:
            self.say(tr("Ouverture de la session ApCV…"))
            self.code_entered.emit(text)

    def read_image(self, path: Path) -> None:
        """Decode the QR code of an image file and use it as if it were typed."""
        try:
            text = decode_image(path)
        except OSError as exc:
            self.say(f"Image illisible ({path.name}) : {exc.strerror or exc}.", error=True)
            return
        if not text:
            refusal = ApcvError(ApcvFault.NOT_A_CODE, f"aucun QR code dans {path.name}")
            self.say(str(refusal), error=True)
            return
        self.say(tr("Ouverture de la session ApCV…"))
        self.code_entered.emit(text)

    def use_camera(self) -> None:
        """Look for the code in the camera's frames; without a camera, say so at once."""
        why = camera_unavailable()
        if why:
            self.say(why, error=True)
            return
        if self._camera is None:
            self._camera = CameraReader(self)
            self._camera.frame.connect(self._on_camera_frame)
            self._camera.gave_up.connect(
                lambda: self.say(
                    tr(
                        "Aucun QR code ApCV vu par la caméra : recommencez, ou ouvrez une photo "
                        "avec « Image… »."
                    ),
                    error=True,
                )
            )
        self.say(tr("Présentez le QR code du téléphone à la caméra…"))
        self._camera.start()

    def _on_camera_frame(self, image: QImage) -> None:
        if self.read_frame(image, quiet=True) and self._camera is not None:
            self._camera.stop()

    def read_frame(self, image: QImage, *, quiet: bool = False) -> bool:
        """Decode the QR code of a camera frame and use it as if typed; whether it held one
        (``quiet``: the camera's frames without a code say nothing, the next one may)."""
        text = decode_image(frame_image(image))
        if not text:
            if not quiet:
                refusal = ApcvError(ApcvFault.NOT_A_CODE, "aucun QR code dans l'image")
                self.say(str(refusal), error=True)
            return False
        self.say(tr("Ouverture de la session ApCV…"))
        self.code_entered.emit(text)
        return True

    def _choose_image(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, tr("Image du QR code ApCV"), "", tr("Images (*.png *.jpg *.jpeg *.bmp)")
        )
        if name:
            self.read_image(Path(name))

    def say(self, text: str, *, error: bool = False) -> None:
        self.hint.setText(text)
        self.hint.setStyleSheet("color: #b3261e;" if error else "")
        self.hint.setVisible(bool(text))
