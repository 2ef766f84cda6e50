"""Database timestamps: written by ``stamp``, read by ``parse_db_stamp`` (a leaf module:
the row mapping and the rows both use it)."""

from __future__ import annotations

from datetime import UTC, datetime

#: The last moment stamped and its text: a lot's ARL stamps the same ``now`` a dozen
#: times (issue #27; a datetime never changes, so the same object has the same text).
_last: tuple[datetime | None, str] = (None, "")


def stamp(moment: datetime) -> str:
    """Database timestamp: ISO 8601 UTC with microseconds and ``Z`` (sorts as text)."""
    global _last
    last, text = _last
    if last is not moment:
        text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        _last = (moment, text)
    return text


def parse_db_stamp(text: str) -> datetime:
    """Inverse of ``stamp`` (``fromisoformat``: C, 25 times faster than ``strptime``; a lot's
    FSE rows carry three stamps each)."""
    if len(text) != 27 or not text.endswith("Z"):
        raise ValueError(f"horodatage de base inattendu : {text!r}")
    return datetime.fromisoformat(text)
