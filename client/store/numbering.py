"""The numbering high-water mark kept outside the database (``numbering.json``).

The numbers themselves are allocated in the database (``counters``), in the transaction of
the FSE or lot they number; unused ones are recorded with their reason
(``fse_numbers_unused``). This mark is the one thing kept outside on purpose: a restored
older copy of the database cannot carry a witness of the numbers handed out after it, a
file beside it can (so it is never imported into the store, unlike the desk's side files).
"""

from __future__ import annotations

import json
from pathlib import Path

from client.bounded_read import InputFileError, read_text_bounded
from client.durable import replace_file
from client.store.errors import StoreError

#: Counters kept per practitioner, in ``counters`` and in ``numbering.json``.
_COUNTER_COLUMNS = {"fse": "last_fse_number", "lot": "last_lot_number", "closing": "lot_closings"}
_MAX_SIZE = 10_000_000  # a few dozen bytes per practitioner


class Numbering:
    """``numbering.json``: the highest FSE and lot numbers ever handed out, per practitioner.

    Format: ``{"version": 1, "practitioners": {"<id>": {"fse": N, "lot": M, "closing": C}}}``
    where C counts the lots closed (a database behind C is an older copy whose open lots
    may have been closed and sent since: they are renewed at opening).
    Written atomically (temporary file, fsync, rename, fsync of the directory).
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, dict[str, int]]:
        """The marks on disk ({} when the file does not exist yet)."""
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(read_text_bounded(self.path, _MAX_SIZE))
        except InputFileError as exc:
            raise self._unreadable(exc.reason) from exc
        except (ValueError, RecursionError) as exc:
            raise self._unreadable() from exc
        # Another shape is refused, never taken as « no marks »: numbers could go back.
        marks = raw.get("practitioners") if isinstance(raw, dict) else None
        if not isinstance(marks, dict) or raw.get("version") != 1:
            raise self._unreadable()
        result: dict[str, dict[str, int]] = {}
        for pid, entry in marks.items():
            if not isinstance(entry, dict):
                raise self._unreadable()
            values = {kind: entry.get(kind, 0) for kind in _COUNTER_COLUMNS}
            if not all(type(v) is int and v >= 0 for v in values.values()):
                raise self._unreadable()
            result[str(pid)] = values
        return result

    def _unreadable(self, reason: str = "") -> StoreError:
        why = f" ({reason})" if reason else ""
        return StoreError(
            f"Le fichier de numérotation {self.path} est illisible{why} : restaurez-le ou "
            "contactez le support (les numéros de FSE ne doivent jamais être réutilisés)."
        )

    def mark(self, practitioner_id: str, kind: str, value: int) -> None:
        """Record that ``value`` was handed out (only ever raises the mark)."""
        marks = self.read()
        entry = marks.setdefault(practitioner_id, dict.fromkeys(_COUNTER_COLUMNS, 0))
        if entry[kind] >= value:
            return
        entry[kind] = value
        data = json.dumps({"version": 1, "practitioners": marks}, sort_keys=True).encode()
        replace_file(self.path, data)


class InDatabaseNumbering(Numbering):
    """No witness outside the database: a PostgreSQL server keeps the cabinet's counters
    (restoring an older copy of it is the server's own affair: point-in-time recovery),
    and a workstation's folder must hold nothing of the cabinet. The numbers are allocated
    in the database's transaction (``client.store.base.Numbers``)."""

    def __init__(self) -> None:
        super().__init__(Path("/nonexistent/numbering.json"))

    def read(self) -> dict[str, dict[str, int]]:
        return {}

    def mark(self, practitioner_id: str, kind: str, value: int) -> None:
        """Nothing to record: the counter row is the witness."""
