"""FSE events and the audit journal (a hash chain written in the transaction that writes
the event); their verification is ``client.store.audit_check``.

A journal row keeps what cannot be recomputed (issue #27): the ``seq`` of its first entry,
the entries' fields packed in one ``record`` (``client.store.packing.pack_records``) and
their hashes as 32 raw bytes each, end to end. One entry per row, the entries of a lot's
FSE moving together (``lot_events``: one row for all), or the entries one operation writes
together (:meth:`Journal.grouped`: a NOEMIE file imported). The payload's
digest and the previous entry's hash are rebuilt on reading (``billing.audit``)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from billing.audit import (
    GENESIS,
    AuditEntry,
    AuditKind,
    ChainHead,
    build_entry,
    closure_payload,
    event_payload,
    noemie_payload,
    payment_payload,
    settlement_payload,
    unmatched_payload,
    unmatched_resolved_payload,
)
from billing.fse_states import FseEventKind, FseState
from client.store.connection import Connection, Repository
from client.store.errors import NotFoundError
from client.store.event_codes import (
    STATE_CODES,
    at_seconds,
    kind_code,
    state_code,
)
from client.store.packing import PackedValueError, Record, pack_records, unpack_records
from client.store.queries import Queries
from client.store.rows import EventSubject, stamp
from client.store.streaming import stream_rows

if TYPE_CHECKING:
    from billing.audit_batch import EventLine

_INSERT_ENTRY = "INSERT INTO audit_journal (seq, record, hash) VALUES (?, ?, ?)"
_INSERT_EVENT = (
    "INSERT INTO fse_events (fse_id, id, at, kind, from_state, to_state, detail) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
#: The fields of an entry whose record no longer unpacks: its hash cannot match them.
_UNREADABLE: Record = ("", "", "", "", "")
_HASH = 32
#: A row of several entries keeps, after this mark, the first ``_PREFIX`` bytes of each
#: entry's hash but the last, then the last one whole (issue #27: ~170 B per FSE). The
#: chain is checked through the whole hashes, recomputed entry by entry: an entry edited
#: inside the row is named at its place (its prefix no longer matches), and a forger who
#: rewrites its prefix breaks the next entry, as a rewritten whole hash did.
_SHORTENED = b"\x01"
_PREFIX = 8


def _event_row(
    event_id: int,
    fse_id: int,
    at: datetime,
    kind: FseEventKind,
    from_state: FseState | None,
    to_state: FseState,
    detail: str | None,
) -> tuple[int, int, int, int, int | None, int, str | None]:
    """A row of ``fse_events`` as stored: integer codes and seconds (``event_codes``)."""
    return (
        fse_id,
        event_id,
        at_seconds(at),
        kind_code(kind),
        state_code(from_state),
        STATE_CODES[to_state],
        detail,
    )


def stored_entries(entries: Sequence[AuditEntry]) -> tuple[int, bytes, bytes]:
    """The row of the journal that keeps consecutive ``entries`` (one, or a lot's FSE moving
    together): the first ``seq``, their records packed together, their hashes (the inner
    ones as prefixes: ``_SHORTENED``)."""
    records = [(e.at, e.kind, e.fse_id, e.lot_id, e.payload) for e in entries]
    hashes = bytes.fromhex(entries[-1].hash)
    if len(entries) > 1:
        inner = bytes.fromhex("".join(e.hash[: 2 * _PREFIX] for e in entries[:-1]))
        hashes = _SHORTENED + inner + hashes
    return entries[0].seq, pack_records(records), hashes


def stored_entry(entry: AuditEntry) -> tuple[int, bytes, bytes]:
    """The row of the journal that keeps ``entry``."""
    return stored_entries([entry])


def stored_hash(value: object) -> str:
    """A stored hash as hex; a damaged one as a text no SHA-256 gives (the chain breaks)."""
    if isinstance(value, bytes) and len(value) == _HASH:
        return value.hex()
    return f"illisible:{value!r}"


def _stored_hashes(hash_value: object) -> list[bytes]:
    """The hashes a row keeps, one per entry: whole (32 bytes) or a prefix (``_PREFIX``
    bytes, a row written since m029); [] when damaged. Unambiguous: whole hashes end to end
    are a multiple of 32 bytes, the shortened form is not (mark + 8k + 32)."""
    raw = bytes(hash_value) if isinstance(hash_value, bytes | memoryview) else b""
    if raw[:1] == _SHORTENED and len(raw) > _HASH + 1 and (len(raw) - 1 - _HASH) % _PREFIX == 0:
        inner = raw[1:-_HASH]
        return [inner[i : i + _PREFIX] for i in range(0, len(inner), _PREFIX)] + [raw[-_HASH:]]
    if not raw or len(raw) % _HASH:
        return []
    return [raw[i : i + _HASH] for i in range(0, len(raw), _HASH)]


def _row_entries(record: object, hash_value: object) -> list[tuple[Record, str]]:
    """The (fields, hex hash or hash prefix) of the entries a row keeps; a damaged row as
    one entry whose hash cannot match (the chain breaks there)."""
    hashes = _stored_hashes(hash_value)
    if not hashes:
        return [(_UNREADABLE, stored_hash(hash_value))]
    count = len(hashes)
    try:
        records = unpack_records(record) if isinstance(record, bytes | str) else []
    except PackedValueError:
        records = []
    if len(records) != count:
        records = [_UNREADABLE] * count
    return [(records[i], hashes[i].hex()) for i in range(count)]


def read_entries(rows: Iterable[Sequence[Any]]) -> list[AuditEntry]:
    """The entries of journal rows ``(seq, record, hash)`` read in ``seq`` order, with what
    the store does not keep rebuilt: the payload's digest, the previous entry's hash."""
    return list(iter_entries(rows))


def iter_entries(rows: Iterable[Sequence[Any]]) -> Iterator[AuditEntry]:
    """:func:`read_entries` as a stream: one row's entries in memory at a time (a 1 M FSE
    journal, 8 M entries, does not fit in a practitioner's PC as a list)."""
    previous = GENESIS
    for seq, record, hash_value in rows:
        for i, (fields, current) in enumerate(_row_entries(record, hash_value)):
            entry = entry_of(int(seq) + i, fields, current, previous)
            yield entry
            previous = entry.hash


def entry_of(seq: int, fields: Record, current: str, previous: str) -> AuditEntry:
    """One stored entry (its fields, its hash or hash prefix as stored) with what the store
    does not keep rebuilt: the payload's digest, the previous entry's hash, and a prefix
    made whole when it is the computed hash's."""
    at, kind, fse_id, lot_id, payload = fields
    entry = AuditEntry(
        seq=seq,
        at=at,
        kind=kind,
        fse_id=fse_id,
        lot_id=lot_id,
        payload=payload,
        payload_sha256=hashlib.sha256(payload.encode("utf-8")).hexdigest(),
        prev_hash=previous,
        hash=current,
    )
    if len(current) == 2 * _PREFIX:  # a prefix: the whole hash, if it matches
        computed = entry.computed_hash()
        whole = computed if computed.startswith(current) else f"préfixe:{current}"
        entry = dataclasses.replace(entry, hash=whole)
    return entry


def iter_records(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[int, str, str, str, str]]:
    """The ``(seq, kind, fse_id, lot_id, payload)`` of the entries of journal rows, nothing
    rebuilt: what the checks after the chain's read of a journal already verified."""
    for seq, record, hash_value in rows:
        for i, ((_at, kind, fse_id, lot_id, payload), _hash) in enumerate(
            _row_entries(record, hash_value)
        ):
            yield int(seq) + i, kind, fse_id, lot_id, payload


#: A state's stored text by the state (a dict lookup: an enum's ``value`` is a property).
_STATE_VALUES = {state: state.value for state in FseState}
#: ``EventLine`` made from its fields in order, as the tuple it is (``tuple.__new__``).
_new_line = tuple.__new__


class Journal(Repository):
    """Events and audit entries, written in the caller's transaction; the journal read."""

    def __init__(self, conn: Connection, queries: Queries) -> None:
        super().__init__(conn)
        self.queries = queries
        #: The entries appended inside :meth:`grouped`, written as one row when it ends.
        self._group: list[AuditEntry] | None = None

    @contextmanager
    def grouped(self) -> Iterator[None]:
        """The entries appended inside (events, payments, a lot's entries) are written as
        one row when the block ends, in the caller's transaction: their records share most
        of their bytes (issue #27). Each entry keeps its own ``seq`` and hash: the chain and
        its check are unchanged. For an operation that fails whole: a failure inside writes
        none of them (the transaction is rolled back), but a savepoint rolled back and caught
        inside would leave its entries in the group. Nested: joins the outer group."""
        self._require_transaction()
        if self._group is not None:
            yield
            return
        self._group = []
        try:
            yield
            if self._group:
                self.db.execute(_INSERT_ENTRY, list(stored_entries(self._group)))
        finally:
            self._group = None

    def _store(self, entries: Sequence[AuditEntry]) -> None:
        """Write consecutive entries as one row, or keep them for the open group's row."""
        if self._group is not None:
            self._group.extend(entries)
        else:
            self.db.execute(_INSERT_ENTRY, list(stored_entries(entries)))

    def event(
        self,
        fse_id: int,
        at: datetime,
        kind: FseEventKind,
        from_state: FseState | None,
        to_state: FseState,
        detail: str | None,
    ) -> None:
        event_id = self._event_ids(1)
        self.db.execute(
            _INSERT_EVENT, _event_row(event_id, fse_id, at, kind, from_state, to_state, detail)
        )
        fse = self._one(
            "SELECT fse_uuid, number, practitioner_id, digest, COALESCE(lot_id, '') AS lot "
            "FROM fse WHERE id = ?",
            [fse_id],
        )
        if fse is None:
            raise NotFoundError(f"FSE (id interne {fse_id})")
        # Same transaction as the event: both are written or neither is.
        self.append(
            at,
            kind.value,
            fse_id=fse["fse_uuid"],
            lot_id=fse["lot"],
            payload=event_payload(
                event_id=event_id,
                fse_number=fse["number"],
                practitioner_id=fse["practitioner_id"],
                kind=kind.value,
                from_state=from_state.value if from_state else None,
                to_state=to_state.value,
                detail=detail,
                fse_digest=fse["digest"],
            ),
        )

    def lot_events(
        self,
        moved: Sequence[EventSubject],
        at: datetime,
        kind: FseEventKind,
        to_state: FseState,
        detail: str,
        from_state: FseState | None = None,
        first_id: int | None = None,
    ) -> None:
        """``event`` for every FSE of a lot at once: one insert of the events, one of their
        journal entries (chained in Python), in the caller's transaction. ``from_state``:
        the state every FSE leaves, when not the one in its row (a lot moved by steps).
        ``first_id``: the first of the ``len(moved)`` event numbers, when the caller took
        them from :meth:`event_ids` with the other steps' (one counter update per lot)."""
        self._require_transaction()
        if not moved:
            return
        # Here, not at the top: a listing opens the journal and writes no event (#27).
        from billing.audit_batch import EventLine, build_event_entries

        if first_id is None:
            first_id = self._event_ids(len(moved))
        when = stamp(at)
        # ``_event_row``'s codes, the same for the whole lot: computed once (issue #27).
        seconds, kind_stored, to_stored = at_seconds(at), kind_code(kind), STATE_CODES[to_state]
        left = None if from_state is None else STATE_CODES[from_state]
        leaving = None if from_state is None else from_state.value
        # The event rows and the entries' lines in one walk, the lines made as the tuples
        # they are (no keyword constructor, no enum property per FSE: issue #27).
        rows: list[tuple[int, int, int, int, int, int, str]] = []
        lines: list[EventLine] = []
        event_id = first_id
        for fse in moved:
            state = fse.state
            rows.append(
                (
                    fse.id,
                    event_id,
                    seconds,
                    kind_stored,
                    STATE_CODES[state] if left is None else left,
                    to_stored,
                    detail,
                )
            )
            lines.append(
                _new_line(
                    EventLine,
                    (
                        event_id,
                        fse.fse_uuid,
                        fse.lot_id or "",
                        fse.number,
                        fse.practitioner_id,
                        leaving or _STATE_VALUES[state],
                        fse.digest,
                    ),
                )
            )
            event_id += 1
        self.db.conn.executemany(_INSERT_EVENT, rows)
        # Chained from a template, as build_entry would (billing.audit_batch, issue #27).
        entries = build_event_entries(
            self._chain_head(),
            at=when,
            kind=kind.value,
            to_state=to_state.value,
            detail=detail,
            lines=lines,
        )
        # One row for the lot's entries: they share most of their bytes (issue #27).
        self._store(entries)

    def event_ids(self, count: int) -> int:
        """The first of ``count`` new event numbers, in the caller's transaction."""
        self._require_transaction()
        return self._event_ids(count)

    def _event_ids(self, count: int) -> int:
        """The first of ``count`` new event numbers, handed out in the caller's transaction
        (``fse_events`` has no rowid to number them: m029)."""
        # Moved and read back in one statement: a round trip less on PostgreSQL.
        moved = self.db.execute(
            "UPDATE fse_event_ids SET last = last + ? RETURNING last", [count]
        ).fetchall()
        if not moved:
            # A new store (or one copied without its counter): numbered after the events
            # it holds, once (a scan of the table).
            top = self._one("SELECT COALESCE(MAX(id), 0) AS top FROM fse_events")
            first = int(top["top"]) + 1 if top else 1
            self.db.execute("INSERT INTO fse_event_ids (last) VALUES (?)", [first + count - 1])
            return first
        return int(moved[0][0]) - count + 1

    def append(
        self,
        at: datetime,
        kind: str,
        *,
        fse_id: str = "",
        lot_id: str = "",
        payload: dict[str, Any],
    ) -> AuditEntry:
        """Append one entry to the audit journal (inside the event's own transaction)."""
        self._require_transaction()
        entry = build_entry(
            self._chain_head(),
            at=stamp(at),
            kind=kind,
            fse_id=fse_id,
            lot_id=lot_id,
            payload=payload,
        )
        self._store([entry])
        return entry

    def _chain_head(self) -> ChainHead | None:
        """The last entry's place and hash (None: the journal is empty)."""
        if self._group:  # not written yet: the open group's last entry
            return ChainHead(self._group[-1].seq, self._group[-1].hash)
        # A plain read, no savepoint guard around it: once per lot's ARL (issue #27).
        last = self.db.execute(
            "SELECT seq, hash FROM audit_journal ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        if last is None:
            return None
        kept = _row_entries(b"", last[1])  # the hashes alone: the record is not read
        return ChainHead(int(last[0]) + len(kept) - 1, kept[-1][1])

    def lot_entry(self, lot_id: str, at: datetime, kind: AuditKind, **extra: Any) -> None:
        lot = self.queries.lot_by_id(lot_id)
        self.append(
            at,
            kind.value,
            lot_id=lot_id,
            payload={
                "lot_number": lot.number,
                "practitioner": lot.practitioner_id,
                "state": lot.state.value,
                **extra,
            },
        )

    def journal_head(self) -> tuple[int, str]:
        """(seq, hash) of the last journal entry; (0, GENESIS) when empty."""
        head = self._chain_head()
        return (head.seq, head.hash) if head else (0, GENESIS)

    def _journal_row(
        self, kind: AuditKind, at: datetime, table: str, key: str, value: Any, build: Any
    ) -> None:
        row = self._one(f"SELECT * FROM {table} WHERE {key} = ?", [value])  # noqa: S608
        if row is None:
            raise NotFoundError(f"{table} {value}")
        payload = build(row)
        # Only a payment or a closure concerns an FSE of this workstation for sure (an
        # unmatched line names an FSE that may not exist here).
        fse_id = (
            str(row["fse_uuid"]) if kind in (AuditKind.PAYMENT, AuditKind.REMAINDER_CLOSED) else ""
        )
        self.append(at, kind.value, fse_id=fse_id, payload=payload)

    def journal_payment(self, payment_id: int, at: datetime) -> None:
        """Journal a ``payments`` row just written (amounts included), same transaction."""
        self._journal_row(AuditKind.PAYMENT, at, "payments", "id", payment_id, payment_payload)

    def journal_noemie_file(self, sha256: str, at: datetime) -> None:
        """Journal an imported NOEMIE file (digest and counts), same transaction."""
        self._journal_row(
            AuditKind.NOEMIE_FILE, at, "noemie_files", "sha256", sha256, noemie_payload
        )

    def journal_unmatched(self, unmatched_id: int, at: datetime) -> None:
        """Journal an unmatched NOEMIE line just recorded, same transaction."""
        self._journal_row(
            AuditKind.UNMATCHED, at, "unmatched_payments", "id", unmatched_id, unmatched_payload
        )

    def journal_unmatched_resolved(self, unmatched_id: int, at: datetime) -> None:
        """Journal the matching by hand of an unmatched line, same transaction."""
        self._journal_row(
            AuditKind.UNMATCHED_RESOLVED,
            at,
            "unmatched_payments",
            "id",
            unmatched_id,
            unmatched_resolved_payload,
        )

    def journal_closure(self, closure_id: int, at: datetime) -> None:
        """Journal an unpaid remainder closed by the user, same transaction."""
        self._journal_row(
            AuditKind.REMAINDER_CLOSED,
            at,
            "remainder_closures",
            "id",
            closure_id,
            closure_payload,
        )

    def journal_settlement(self, fse_id: int, at: datetime) -> None:
        """Journal the desk settlement of an FSE just written (a correction is a new entry),
        same transaction."""
        from client.store.books import SETTLEMENTS_SQL  # the books' checks: not at opening

        row = self._one(f"{SETTLEMENTS_SQL} WHERE s.fse_id = ?", [fse_id])
        if row is None or row["fse_uuid"] is None:
            raise NotFoundError(f"règlement de la FSE (id interne {fse_id})")
        self.append(
            at,
            AuditKind.SETTLEMENT.value,
            fse_id=str(row["fse_uuid"]),
            payload=settlement_payload(row),
        )

    def mark_fse_number_unused(
        self, practitioner_id: str, number: int, now: datetime, reason: str
    ) -> None:
        """Record that FSE ``number`` was handed out but no FSE was secured under it (the
        securing failed): not a lost FSE (``client.alerts`` reports the other gaps)."""
        with self.write():
            self.db.execute(
                "INSERT OR IGNORE INTO fse_numbers_unused (practitioner_id, number, at, reason) "
                "VALUES (?, ?, ?, ?)",
                [practitioner_id, number, stamp(now), reason[:200]],
            )

    def record_audit(self, kind: AuditKind, now: datetime, payload: dict[str, Any]) -> None:
        """Journal an event that concerns no FSE nor lot (a restore, for instance)."""
        with self.write():
            self.append(now, kind.value, payload=payload)

    def audit_entries(self) -> list[AuditEntry]:
        """The whole audit journal, in order."""
        return read_entries(self.journal_rows())

    def journal_rows(self) -> Iterator[tuple[Any, Any, Any]]:
        """The journal's rows ``(seq, record, hash)`` in order, as a stream."""
        for r in stream_rows(self.db, "SELECT seq, record, hash FROM audit_journal ORDER BY seq"):
            yield r["seq"], r["record"], r["hash"]
