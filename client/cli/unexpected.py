"""What the command line says when something unexpected happens: a French sentence on
stderr, never a traceback; the traceback goes to ``erreurs.log`` in the data directory.

A damaged database shows itself as SQLite errors anywhere in the code (« file is not a
database », « database disk image is malformed », « Could not decode to UTF-8 »): those
are told as a damaged store, with the way out (the backups, ``sesam restore``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import traceback
from datetime import UTC, datetime
from pathlib import Path

from client.config import APP_NAME, DATA_DIR_ENV, user_data_dir
from client.store.errors import DamagedStoreError, storage_error

logger = logging.getLogger(__name__)

LOG_NAME = "erreurs.log"
_MAX_LOG = 1_000_000  # the log is started again beyond this size


def _data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    return user_data_dir(APP_NAME)


def _log(exc: BaseException) -> Path | None:
    """Append the traceback to the log file; the exception's message is left out (it may
    quote data: a NIR, a name); the frames say where."""
    path = _data_dir() / LOG_NAME
    # File, line and function of each frame: no message, no source line, no value.
    frames = "".join(
        f"  {frame.filename}:{frame.lineno} in {frame.name}\n"
        for frame in traceback.extract_tb(exc.__traceback__)
    )
    text = f"{datetime.now(UTC).isoformat()} {type(exc).__module__}.{type(exc).__name__}\n"
    text += frames + "\n"
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        with contextlib.suppress(OSError):
            if path.stat().st_size > _MAX_LOG:
                flags |= os.O_TRUNC
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(text)
    except OSError:
        return None
    return path


def describe_unexpected(exc: BaseException) -> str:
    """The French sentence for an exception no package describes (logged first)."""
    if isinstance(exc, OSError):
        typed_disk = storage_error(exc, _data_dir())
        if typed_disk is not None:
            _log(exc)
            return str(typed_disk)
    if isinstance(exc, sqlite3.Error):
        typed = storage_error(exc, _data_dir())
        text = str(exc).lower()
        if typed is None and any(m in text for m in ("decode", "malformed", "not a database")):
            typed = DamagedStoreError(_data_dir(), "donnée illisible")
        if typed is not None:
            _log(exc)
            return str(typed)
    if isinstance(exc, UnicodeDecodeError) and any(
        "sqlite" in frame.filename or "/client/store/" in frame.filename
        for frame in traceback.extract_tb(exc.__traceback__)
    ):
        # SQLite handed back bytes that are not text: the database file is damaged.
        _log(exc)
        return str(DamagedStoreError(_data_dir(), "donnée illisible"))
    where = _log(exc)
    detail = f" Le détail technique est dans {where} : transmettez-le au support." if where else ""
    return (
        f"Erreur inattendue ({type(exc).__name__}) : l'opération n'a pas abouti ; ce qui était "
        f"déjà enregistré est intact.{detail}"
    )
