"""The testbed state directory: test PKI, card secrets, the card server's control socket."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

#: Environment variable that overrides the testbed state directory (tests, demo).
TESTBED_DIR_ENV = "SESAM_TESTBED_DIR"


def testbed_dir() -> Path:
    """The testbed state directory, created with mode 0700 when missing."""
    override = os.environ.get(TESTBED_DIR_ENV)
    path = Path(override) if override else Path(platformdirs.user_data_dir("sesam-testbed"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkdir's mode is masked by the umask and ignored for an existing directory.
    path.chmod(0o700)
    return path
