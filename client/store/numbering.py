"""The numbering high-water mark kept outside the database (``numbering.json``)."""

from __future__ import annotations

import json
from pathlib import Path

from client.durable import replace_file
from client.store.errors import StoreError

#: Counters kept per practitioner, in ``counters`` and in ``numbering.json``.
_COUNTER_COLUMNS = {"fse": "last_fse_number", "lot": "last_lot_number", "closing": "lot_closings"}


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
        try:
            raw = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"Le fichier de numérotation {self.path} est illisible : restaurez-le ou "
                "contactez le support (les numéros de FSE ne doivent jamais être réutilisés)."
            ) from exc
        marks = raw.get("practitioners", {}) if isinstance(raw, dict) else {}
        return {
            str(pid): {kind: int(v.get(kind, 0)) for kind in _COUNTER_COLUMNS}
            for pid, v in marks.items()
            if isinstance(v, dict)
        }

    def mark(self, practitioner_id: str, kind: str, value: int) -> None:
        """Record that ``value`` was handed out (only ever raises the mark)."""
        marks = self.read()
        entry = marks.setdefault(practitioner_id, dict.fromkeys(_COUNTER_COLUMNS, 0))
        if entry[kind] >= value:
            return
        entry[kind] = value
        data = json.dumps({"version": 1, "practitioners": marks}, sort_keys=True).encode()
        replace_file(self.path, data)
