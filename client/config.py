"""Where the application keeps its data, and its settings.

The data directory holds the database, the local tariff file, scans and backups. It is
created readable by the user only: it holds health data.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "sesam-client"
#: Environment variable that overrides the data directory (tests, demo, several cabinets).
DATA_DIR_ENV = "SESAM_DATA_DIR"


def data_dir() -> Path:
    """The data directory, created with mode 0700 when missing."""
    override = os.environ.get(DATA_DIR_ENV)
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkdir's mode is masked by the umask and ignored for an existing directory.
    try:
        path.chmod(0o700)
    except OSError:
        # A read-only disk: the directory is still there to read from.
        if not path.is_dir():
            raise
    return path
