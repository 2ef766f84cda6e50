"""``sesam audit verify``: the chain, the FSE events and the books against the journal,
in one read transaction, the journal read as a stream (issue #27: its 8 M entries at 1 M
FSE held as a list took 8 GB, 13 GB on PostgreSQL).

Two passes over the journal: the chain entry by entry (``billing.audit.verify_chain``);
then, once it holds, each payload parsed once to feed what the later checks compare,
written to a temporary database (``client.store.audit_spill``: at 1 M FSE ~0.85 GB held
in Python before): per event its ``seq`` and a digest, what the books must say
(``books.Expected``). The events are then compared with ``fse_events`` in number order side
by side, the books row by row (peak memory no longer grows with the store). A signed lot's
anchor and a breach's entry are read again by their ``seq`` rather than kept."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from billing.audit import AuditEntry, Breach, ChainReport, event_payload, payload_text, verify_chain
from billing.canonical import CanonicalError, parse_canonical
from billing.errors import BillingError
from billing.fse_states import FseEventKind
from billing.money_text import count_fr
from client.store.event_codes import kind_text, state_text
from client.store.event_index import event_digest
from client.store.journal import Journal, iter_entries, iter_records
from client.store.packing import unpack_document
from client.store.streaming import counted, stream_rows

if TYPE_CHECKING:
    from client.store.audit_spill import Spill
    from client.store.books import Expected


#: What a verification says as it goes, in French, for the user who waits: each step as
#: it starts, and a count every ``PROGRESS_EVERY`` entries or events of the long ones (at
#: 1 M FSE the whole verification takes a quarter of an hour, its journal 7 M entries).
StepProgress = Callable[[str], None]
PROGRESS_EVERY = 1_000_000
LOTS_EVERY = 10_000  # the signed lots: 100 000 at 1 M FSE, two minutes
FSE_EVERY = 100_000  # the FSE against the journal, each document parsed: four minutes


def verify_journal(journal: Journal, progress: StepProgress | None = None) -> ChainReport:
    """Verify the chain, that every FSE event is journaled as it stands now, then that
    the books (FSE, lots, outbox, payments, NOEMIE files) agree with the journal.

    The second part catches an edited or removed ``fse_events`` row, and an FSE document
    changed after it was secured (its digest no longer the one journaled); the third
    (``client.store.books``) an edit of what the user reads. Everything is read in one
    read transaction: billing beside it never shows a half-written state.
    """
    return _Check(journal, progress).run()


def _same_event(digest: bytes, fse_uuid: object, expected: dict[str, Any]) -> bool:
    """Whether the entry kept as ``digest`` names ``fse_uuid`` with ``expected`` as its
    canonical text (then they are equal as parsed too); False: to be compared as parsed."""
    if not isinstance(fse_uuid, str):
        return False
    try:
        text = payload_text(expected)
    except (CanonicalError, TypeError, ValueError):
        return False
    return event_digest(fse_uuid, text) == digest


def _books_report(chain: ChainReport, breach: Breach, problems: list[str]) -> ChainReport:
    more = f" ; et {len(problems) - 10} autre(s)" if len(problems) > 10 else ""
    return ChainReport(
        count=chain.count,
        head_hash=chain.head_hash,
        breach=breach,
        detail=" ; ".join(problems[:10]) + more,
    )


#: The spill's table of journaled events: per event number its entry's ``seq`` and digest.
_EVENTS = "events"
_SEQ = 8
#: The integers SQLite keeps (the event numbers of ``fse_events``).
_STORABLE = (-(2**63), 2**63 - 1)


def _slot(seq: int, digest: bytes) -> bytes:
    return seq.to_bytes(_SEQ, "big") + digest


class _Kept:
    """The journaled events in number order, taken as the ``fse_events`` rows (in the same
    order) name them; those passed over are journaled events no longer in the table."""

    def __init__(self, slots: Iterator[tuple[Any, Any]], beyond: dict[int, int]) -> None:
        self._slots = slots
        self._next = next(slots, None)
        self._last: tuple[Any, tuple[int, bytes] | None] | None = None
        #: (seq, event number) of the first journaled event passed over.
        self._unseen = min(((seq, e) for e, seq in beyond.items()), default=None)

    def _pass(self) -> None:
        assert self._next is not None  # noqa: S101 - called with one
        event_id, slot = self._next
        seq = int.from_bytes(slot[:_SEQ], "big")
        if self._unseen is None or seq < self._unseen[0]:
            self._unseen = (seq, event_id)
        self._next = next(self._slots, None)

    def take(self, event_id: int) -> tuple[int, bytes] | None:
        """(``seq``, digest) of event ``event_id``'s entry; None: not journaled."""
        if self._last is not None and self._last[0] == event_id:
            return self._last[1]  # the same number twice in the table
        while self._next is not None and self._next[0] < event_id:
            self._pass()
        found = None
        if self._next is not None and self._next[0] == event_id:
            slot = bytes(self._next[1])
            found = (int.from_bytes(slot[:_SEQ], "big"), slot[_SEQ:])
            self._next = next(self._slots, None)
        self._last = (event_id, found)
        return found

    def first_unseen(self) -> tuple[int, int] | None:
        """The event journaled first among those never taken: (event number, ``seq``)."""
        while self._next is not None:
            self._pass()
        return None if self._unseen is None else (self._unseen[1], self._unseen[0])


class _Check:
    """One verification of a store's journal."""

    def __init__(self, journal: Journal, progress: StepProgress | None = None) -> None:
        self.journal = journal
        self.progress = progress
        self.conn = journal.conn
        self.db = journal.db
        #: Events journaled under a number beyond SQLite's integers (forged): few, held.
        self.beyond: dict[int, int] = {}

    def _entries_near(self, seq: int) -> Iterator[AuditEntry]:
        """The entries of the row that holds entry ``seq`` and of the row before it (whose
        last hash, kept whole, chains the row's own), for a check past the chain's."""
        rows = list(
            self.db.query(
                "SELECT seq, record, hash FROM audit_journal WHERE seq <= ? "
                "ORDER BY seq DESC LIMIT 2",
                [seq],
            )
        )
        return iter_entries((r["seq"], r["record"], r["hash"]) for r in reversed(rows))

    def _entry_at(self, seq: int) -> AuditEntry | None:
        """Entry ``seq`` of the journal, read again (a breach's report names it)."""
        return next((e for e in self._entries_near(seq) if e.seq == seq), None)

    def run(self) -> ChainReport:
        """The first breach found (the chain, a signed lot's anchor, an event, the books)."""
        # One snapshot (on PostgreSQL REPEATABLE READ: « BEGIN » alone reads each statement
        # anew, and billing beside it would look like an edit).
        from client.store.books import Expected, check_anchors, check_books  # asn1crypto

        say = self.progress or _silent
        with self.conn.read():
            say("Chaînage des entrées du journal…")
            entries = iter_entries(self.journal.journal_rows())
            chain = verify_chain(
                counted(entries, "entrées chaînées", self.progress, PROGRESS_EVERY)
            )
            if not chain.ok:
                return chain
            # A cut tail first: it explains the other mismatches that follow from it.
            say(f"Ancres des lots signés ({count_fr(chain.count)} entrées chaînées)…")
            problems = check_anchors(
                self.conn, self._anchor_hash, chain.count, self.progress, LOTS_EVERY
            )
            if problems:
                return _books_report(chain, Breach.TRUNCATED, problems)
            expected = Expected()
            try:
                say("Relecture des entrées…")
                self._read_journal(expected)
                say("Historique des FSE comparé au journal…")
                report = self._verify_events(expected.spill, chain)
                if not report.ok:
                    return report
                say("FSE, lots, envois, paiements et retours comparés au journal…")
                problems = check_books(self.conn, expected.built(), self.progress, FSE_EVERY)
            finally:
                expected.close()
            if problems:
                return _books_report(chain, Breach.BOOKS, problems)
            return report

    def _anchor_hash(self, seq: int) -> str | None:
        """The hash of entry ``seq`` (a chain already verified: entry ``seq`` is at place
        ``seq``); None when there is none."""
        entry = self._entry_at(seq) if seq > 0 else None
        return entry.hash if entry is not None else None

    def _read_journal(self, expected: Expected) -> None:
        """One more pass over the journal, each payload parsed once: per journaled event
        its ``seq`` and the digest of what ``_verify_events`` compares, the last entry of an
        event standing (as a dict of entries did); and what the books must say. Both
        written to ``expected``'s temporary database, not held."""
        spill = expected.spill
        records = iter_records(self.journal.journal_rows())
        for seq, kind, fse_id, lot_id, payload in counted(
            records, "entrées relues", self.progress, PROGRESS_EVERY
        ):
            parsed = json.loads(payload)
            event = parsed.get("event")
            if isinstance(event, int):
                slot = _slot(seq, event_digest(fse_id, payload))
                if _STORABLE[0] <= event <= _STORABLE[1]:
                    spill.put(_EVENTS, event, slot)
                else:  # a forged number no table row can carry: never seen among them
                    self.beyond[event] = seq
            expected.read(kind, fse_id, lot_id, payload, parsed)

    def _verify_events(self, spill: Spill, report: ChainReport) -> ChainReport:
        """Each ``fse_events`` row against its journaled entry, the two read in event
        order side by side; then the first journaled event no longer among them."""
        kept = _Kept(spill.by_key(_EVENTS), self.beyond)
        rows = stream_rows(
            self.db,
            "SELECT e.id, e.kind, e.from_state, e.to_state, e.detail, "
            "f.fse_uuid, f.number, f.practitioner_id, f.digest, f.canonical FROM fse_events e "
            "JOIN fse f ON f.id = e.fse_id ORDER BY e.id",
        )
        for r in counted(rows, "événements comparés", self.progress, PROGRESS_EVERY):
            found = kept.take(r["id"])
            kind = kind_text(r["kind"])
            expected = event_payload(
                event_id=r["id"],
                fse_number=r["number"],
                practitioner_id=r["practitioner_id"],
                kind=kind,
                from_state=state_text(r["from_state"]),
                to_state=state_text(r["to_state"]) or "",
                detail=r["detail"],
                fse_digest=r["digest"],
            )
            what = f"événement n° {r['id']} de la FSE n° {r['number']}"
            if found is None:
                return _event_breach(report, None, what)
            seq, digest = found
            if not _same_event(digest, r["fse_uuid"], expected):
                # Not the same text: compared as before, field by field (the entry read again).
                entry = self._entry_at(seq)
                if (
                    entry is None
                    or entry.fse_id != r["fse_uuid"]
                    or json.loads(entry.payload) != expected
                ):
                    return _event_breach(report, entry, what)
            if kind == FseEventKind.SECURED.value and not _document_matches(
                r["canonical"], r["digest"]
            ):
                return _event_breach(
                    report, self._entry_at(seq), f"document de la FSE n° {r['number']}"
                )
        unseen = kept.first_unseen()  # journaled, and no longer among the events
        if unseen is not None:
            event_id, seq = unseen
            entry = self._entry_at(seq)
            number = json.loads(entry.payload).get("number") if entry else None
            return _event_breach(
                report, entry, f"événement n° {event_id} de la FSE n° {number} (disparu)"
            )
        return report


def _silent(_text: str) -> None:
    """No one to tell."""


def _event_breach(report: ChainReport, entry: AuditEntry | None, what: str) -> ChainReport:
    return ChainReport(
        count=report.count,
        head_hash=report.head_hash,
        first_bad_index=entry.seq - 1 if entry else None,
        first_bad_seq=entry.seq if entry else None,
        breach=Breach.EVENT,
        detail=what,
    )


def _document_matches(canonical: str | bytes, digest: str) -> bool:
    """The stored FSE document (packed or not) still parses, checks its own digest and has
    ``digest``."""
    from billing.fse import fse_from_document  # its signing code only when checked

    try:
        fse = fse_from_document(parse_canonical(unpack_document(canonical).encode("utf-8")))
    except (BillingError, ValueError, KeyError, TypeError):
        return False
    return fse.digest.hex() == digest
