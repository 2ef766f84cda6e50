"""``verify_chain`` reads the journal as a stream: at 1 M FSE (8 M entries) a list of every
entry does not fit in a practitioner's PC, so its memory must not grow with the journal."""

from __future__ import annotations

import dataclasses
import tracemalloc
from collections.abc import Iterator

from billing.audit import AuditEntry, Breach, build_entry, verify_chain

_ENTRIES = 4_000
_PAYLOAD = "x" * 2_000  # ~8 MB of payload in all: held in a list, it shows


def _journal(tamper_at: int | None = None) -> Iterator[AuditEntry]:
    previous: AuditEntry | None = None
    for n in range(_ENTRIES):
        entry = build_entry(
            previous, at="2026-01-01T00:00:00Z", kind="test", payload={"n": n, "pad": _PAYLOAD}
        )
        previous = entry
        if n == tamper_at:
            entry = dataclasses.replace(entry, payload=entry.payload.replace("x", "y", 1))
        yield entry


def test_a_sound_journal_streamed_is_counted_whole_without_being_held() -> None:
    tracemalloc.start()
    try:
        report = verify_chain(_journal())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok
    assert report.count == _ENTRIES
    assert peak < 1_000_000, f"verify_chain held {peak} bytes: the journal is being kept"


def test_a_breach_in_a_stream_names_its_entry_and_still_counts_the_whole_journal() -> None:
    report = verify_chain(_journal(tamper_at=9))
    assert not report.ok
    assert report.breach is Breach.PAYLOAD
    assert report.first_bad_seq == 10
    assert report.count == _ENTRIES
    assert "à l'entrée n° 10 (sur 4000)" in report.message()
