"""Scanning through SANE with the ``scanimage`` command.

The user picks the device (``list_devices`` is ``scanimage -L``). A scan is one page in
grey at 300 dpi by default, returned as PNG bytes ready for ``normalize``. Extra
backend options are passed as they are: the SANE ``test`` backend used by the tests and
the demo needs ``--test-picture Grid`` to produce a non-blank page.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field

from client.scor.errors import ScannerError

logger = logging.getLogger(__name__)

SCANIMAGE = "scanimage"
_DEVICE_LINE = re.compile(r"^device [`'](?P<name>[^`']+)' is an? (?P<label>.*)$")

#: Options that make the SANE ``test`` backend deliver a realistic, non-blank page.
TEST_BACKEND_OPTIONS: tuple[str, ...] = ("--test-picture", "Grid", "-x", "200", "-y", "200")


@dataclass(frozen=True, slots=True)
class ScanDevice:
    """A scanner as SANE lists it."""

    name: str  # e.g. "test:0", "genesys:libusb:001:004"
    label: str


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """What to ask the scanner for."""

    resolution: int = 300
    mode: str = "Gray"
    extra: tuple[str, ...] = field(default_factory=tuple)  # backend-specific options
    timeout: float = 120.0


def _scanimage() -> str:
    path = shutil.which(SCANIMAGE)
    if path is None:
        raise ScannerError(
            "Le programme de numérisation (scanimage, paquet sane-utils) n'est pas installé. "
            "Installez-le, ou importez la feuille de soins signée depuis un fichier."
        )
    return path


def list_devices(timeout: float = 30.0) -> list[ScanDevice]:
    """The scanners SANE sees (may be empty).

    :raises ScannerError: scanimage missing or failing.
    """
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, no shell
            [_scanimage(), "-L"], capture_output=True, text=True, check=False, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise ScannerError(
            "La recherche des scanners ne répond pas. Vérifiez le scanner, puis recommencez.",
            "scanimage -L timed out",
        ) from exc
    devices = []
    for line in done.stdout.splitlines():
        match = _DEVICE_LINE.match(line.strip())
        if match:
            devices.append(ScanDevice(match["name"], match["label"].strip()))
    logger.info("SANE devices: %s", [d.name for d in devices])
    return devices


def options_for(device: str) -> ScanOptions:
    """Default options for a device: the test backend gets its non-blank picture."""
    if device.startswith("test"):
        return ScanOptions(resolution=200, extra=TEST_BACKEND_OPTIONS)
    return ScanOptions()


def scan_page(device: str, options: ScanOptions | None = None) -> bytes:
    """Scan one page and return it as PNG bytes (with its resolution recorded).

    :raises ScannerError: no such device, device busy, jammed, or anything SANE reports.
    """
    opts = options or options_for(device)
    command: Sequence[str] = [
        _scanimage(),
        "--device-name",
        device,
        "--format=png",
        "--mode",
        opts.mode,
        "--resolution",
        str(opts.resolution),
        *opts.extra,
    ]
    logger.info("scanning on %s at %d dpi", device, opts.resolution)
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, arguments as a list
            command, capture_output=True, check=False, timeout=opts.timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise ScannerError(
            "Le scanner ne répond pas. Vérifiez qu'il est allumé et branché, puis recommencez.",
            "scanimage timed out",
        ) from exc
    detail = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not done.stdout:
        logger.warning("scanimage failed (%d): %s", done.returncode, detail[:300])
        raise ScannerError(
            f"La numérisation sur « {device} » a échoué. Vérifiez que le scanner est allumé, "
            "que le papier est en place, et que le bon scanner est choisi (sesam scor devices).",
            detail,
        )
    return done.stdout
