"""The patient's ApCV code as the desk receives it: typed by a keyboard-wedge scanner or
an NFC reader, pasted (téléconsultation), or decoded from a camera frame or an image file.

The desk checks only its form and its age (``docs/formats/apcv.md``): an expired code is
refused at once, without the network; the signature and the single use are the service's.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.apcv.errors import ApcvError, ApcvFault

PREFIX = "APCV1"
MAX_TEXT = 4000


@dataclass(frozen=True, slots=True)
class ApcvCode:
    """A code that has the ApCV form: its text, until when it is good, how it came, and
    how many bénéficiaires it presents."""

    text: str
    expires_at: datetime
    transport: str  # "qr" or "nfc"
    beneficiary_count: int
    trusted_third_party: str = ""


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def read_code(text: str, now: datetime) -> ApcvCode:
    """The code in ``text`` (spaces and line ends a scanner adds are dropped).

    :raises ApcvError: not an ApCV code, or expired at ``now``.
    """
    cleaned = "".join(text.split())
    parts = cleaned.split(".")
    if len(cleaned) > MAX_TEXT or len(parts) != 3 or parts[0] != PREFIX:
        raise ApcvError(ApcvFault.NOT_A_CODE)
    try:
        payload: Any = json.loads(_unb64(parts[1]))
        _unb64(parts[2])
        expires = datetime.strptime(str(payload["exp"]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        count = len(payload["beneficiaires"])
        transport = str(payload["transport"])
        third = str(payload.get("tiers_de_confiance", ""))
    except (ValueError, binascii.Error, KeyError, TypeError, RecursionError) as exc:
        raise ApcvError(ApcvFault.NOT_A_CODE) from exc
    if now >= expires:
        raise ApcvError(ApcvFault.EXPIRED)
    return ApcvCode(cleaned, expires, transport, count, third)


def decode_image(source: Path | Any) -> str:
    """The text of the ApCV QR code in an image file or a camera frame (a PIL image or a
    numpy array); '' when the image holds no QR code."""
    import zxingcpp  # the decoder is loaded only when an image is read

    image: Any = source
    if isinstance(source, Path):
        from PIL import Image

        with Image.open(source) as opened:
            image = opened.convert("L")
    for barcode in zxingcpp.read_barcodes(image):
        if barcode.format == zxingcpp.BarcodeFormat.QRCode and barcode.text:
            return str(barcode.text)
    return ""
