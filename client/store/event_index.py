"""What ``sesam audit verify`` compares a journaled FSE event by (issue #27): 16 bytes of the
SHA-256 of its FSE and payload text, kept with the entry's ``seq`` per event number in the
verification's temporary database (``client.store.audit_spill``), not the entry itself."""

from __future__ import annotations

import hashlib

_DIGEST = 16


def event_digest(fse_id: str, payload: str) -> bytes:
    """What an event's entry is compared by: its FSE and payload text (16 bytes)."""
    text = f"{fse_id}\x00{payload}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).digest()[:_DIGEST]
