"""Where the application keeps its data, and its settings.

The data directory holds the database, the local tariff file, scans and backups. It is
created readable by the user only: it holds health data.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "sesam-client"
#: Environment variable that overrides the data directory (tests, demo, several cabinets).
DATA_DIR_ENV = "SESAM_DATA_DIR"


def user_data_dir(app_name: str) -> Path:
    """``platformdirs.user_data_dir(app_name)``, without importing platformdirs on Linux in
    the usual case (it imports tempfile: ~7 ms of every command's 100, issue #27).

    On Linux with an absolute ``XDG_DATA_HOME``, or none and an absolute ``HOME``, every
    platformdirs version gives ``$XDG_DATA_HOME/app`` or ``$HOME/.local/share/app``
    (a test compares): the store stays where it always was. Anything else (Windows, macOS,
    Android, an unusual environment) is asked to platformdirs.
    """
    if sys.platform == "linux" and not hasattr(sys, "getandroidapilevel"):
        xdg = os.environ.get("XDG_DATA_HOME", "")
        home = os.environ.get("HOME", "")
        if "ANDROID_DATA" not in os.environ:
            if os.path.isabs(xdg):
                return Path(xdg, app_name)
            if not xdg and os.path.isabs(home):
                return Path(home, ".local", "share", app_name)
    import platformdirs

    return Path(platformdirs.user_data_dir(app_name))


def data_dir() -> Path:
    """The data directory, created with mode 0700 when missing."""
    override = os.environ.get(DATA_DIR_ENV)
    path = Path(override) if override else user_data_dir(APP_NAME)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkdir's mode is masked by the umask and ignored for an existing directory.
    try:
        path.chmod(0o700)
    except OSError:
        # A read-only disk: the directory is still there to read from.
        if not path.is_dir():
            raise
    return path
