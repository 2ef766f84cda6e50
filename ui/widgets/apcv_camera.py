"""A camera frame at the desk: the patient's phone held up to the webcam, its QR code read
from a frame by the same decoder as an image file (``client.apcv.decode_image``).

Qt Multimedia is not part of PySide6-Essentials: without it (or without a camera), the
desk says so in French and points to the image file (« Image… »), never a silent button.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from ui.qt import QImage, QObject, QTimer, Signal

#: How long the camera looks for a QR code before giving up (milliseconds).
CAMERA_TIMEOUT_MS = 15_000
#: Seconds between two frames decoded: the decoder runs on the GUI thread, not 30 times a second.
FRAME_INTERVAL = 0.3

NO_CAMERA = (
    "Aucune caméra n'est utilisable sur ce poste ({why}). Prenez une photo ou une capture "
    "d'écran du QR code du téléphone et ouvrez-la avec « Image… », ou utilisez le lecteur "
    "de QR code (douchette)."
)


def frame_image(image: QImage) -> Any:
    """A camera frame (a ``QImage``) as the grey PIL image the decoder reads."""
    from PIL import Image

    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = grey.width(), grey.height(), grey.bytesPerLine()
    data = bytes(grey.constBits())[: stride * height]
    return Image.frombuffer("L", (width, height), data, "raw", "L", stride, 1)


def multimedia() -> Any | None:
    """Qt Multimedia when the binding has it (PySide6-Essentials has not)."""
    try:
        return importlib.import_module("PySide6.QtMultimedia")
    except ImportError:
        return None


def camera_unavailable() -> str:
    """Why no camera can be used, in French ('' when one can)."""
    module = multimedia()
    if module is None:
        return NO_CAMERA.format(why="module Qt Multimedia absent")
    if not module.QMediaDevices.videoInputs():
        return NO_CAMERA.format(why="aucune caméra branchée")
    return ""


class CameraReader(QObject):
    """The default camera, its frames handed to ``frame`` until one holds a code, or
    ``CAMERA_TIMEOUT_MS`` passed (``gave_up``). Only built when ``camera_unavailable``
    returned ''."""

    frame = Signal(QImage)
    gave_up = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        module = multimedia()
        assert module is not None  # noqa: S101 - built only when camera_unavailable() == ''
        self._camera = module.QCamera(parent=self)
        self._sink = module.QVideoSink(self)
        self._session = module.QMediaCaptureSession(self)
        self._session.setCamera(self._camera)
        self._session.setVideoSink(self._sink)
        self._sink.videoFrameChanged.connect(self._on_frame)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._timeout)
        self._last = 0.0

    def start(self) -> None:
        self._camera.start()
        self._timer.start(CAMERA_TIMEOUT_MS)

    def stop(self) -> None:
        self._timer.stop()
        self._camera.stop()

    def _on_frame(self, video_frame: Any) -> None:
        now = time.monotonic()
        if now - self._last < FRAME_INTERVAL:
            return
        self._last = now
        image = video_frame.toImage()
        if not image.isNull():
            self.frame.emit(image)

    def _timeout(self) -> None:
        self.stop()
        self.gave_up.emit()
