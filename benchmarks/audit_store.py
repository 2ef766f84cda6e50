"""A generated store whose audit journal chains and verifies (issue #27): what ``sesam audit
verify`` is measured on at 100k and 1M FSE.

``store_scale``'s cloned blocks keep the template's journal rows (their hashes renamed, so
the chain breaks at the first cloned entry: finding 34). Here the template (made by the
product) keeps its own journal, and each cloned block is made verifiable as the product
would have written it: its FSE documents rewritten with the block's number, dates and keys
and their digests recomputed, its event numbers made unique, then its journal entries
built from its rows with the product's own payload and chaining functions
(``billing.audit``, ``client.store.journal.stored_entries``) and the books' payload
builders, appended after the template's. Every block is closed as made (no state mix: a
state no journal entry says would be a breach) and billed to the template's patients.

    nice -n 19 .venv/bin/python -m benchmarks.audit_store --workdir DIR --fse 1000000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.common import RunContext
from benchmarks.store_scale import BLOCK, Cloner, _parents_first, generate_store, insert_block

if TYPE_CHECKING:
    from billing.audit import AuditEntry

#: Rows read back per query (SQLite's parameter limit).
_CHUNK = 500


def _pack_fast(kind: str, raw: bytes) -> bytes:
    """A value packed as the store packs it, at zstd level 1 (the product's level 19 costs
    1 ms per document: 17 min of a 1M generation); read back by the same ``unpack_*``."""
    import zstandard

    from client.store import packing

    if kind == "file":
        return packing._ZSTD + zstandard.ZstdCompressor(level=1).compress(raw)
    return packing._ZSTD + packing._compressor(packing.DictionaryKind.DOCUMENT, fast=True).compress(
        raw
    )


class VerifiableBlocks:
    """Makes a cloned block's rows agree with their secured documents (before insertion)."""

    def __init__(self, cloner: Cloner) -> None:
        from client.store.packing import unpack_document

        self.cloner = cloner
        cols = cloner.columns
        self.event_col = cols["fse_events"].index("id")
        self.event_stride = max((r[self.event_col] for r in cloner.rows["fse_events"]), default=0)
        f = cols["fse"]
        self.fse_at = {
            name: f.index(name)
            for name in ("id", "fse_uuid", "number", "care_date", "canonical", "digest")
        }
        #: The template's documents as text, in the order the cloner gives its FSE rows.
        self.documents = [unpack_document(r[self.fse_at["canonical"]]) for r in cloner.rows["fse"]]

    def fix(self, b: int, made: dict[str, list[tuple[Any, ...]]]) -> None:
        """Block ``b``'s rows as the product would have written them."""
        cols = self.cloner.columns
        shift = b * self.event_stride
        i = self.event_col
        made["fse_events"] = [(*r[:i], r[i] + shift, *r[i + 1 :]) for r in made["fse_events"]]
        acts: dict[int, list[tuple[int, str]]] = {}
        a = cols["fse_acts"]
        fse_col, line_col, date_col = a.index("fse_id"), a.index("line"), a.index("act_date")
        for r in made.get("fse_acts", []):
            acts.setdefault(r[fse_col], []).append((r[line_col], r[date_col]))
        at = self.fse_at
        rows = []
        for r, template, text in zip(
            made["fse"], self.cloner.rows["fse"], self.documents, strict=True
        ):
            values = list(r)
            dates = [when for _line, when in sorted(acts.get(r[at["id"]], []))]
            values[at["canonical"]], values[at["digest"]] = self._document(
                text.replace(template[at["fse_uuid"]], r[at["fse_uuid"]]), r, dates
            )
            rows.append(tuple(values))
        made["fse"] = rows
        self._fix_noemie(b, made)

    def _document(self, text: str, row: tuple[Any, ...], act_dates: list[str]) -> tuple[bytes, str]:
        """The document secured for the cloned ``row``: its number, care date and act dates
        the row's; packed, with its digest (hex) recomputed."""
        from billing.canonical import canonical_bytes, canonical_json

        doc = json.loads(text)
        body = doc["body"]
        body["number"] = row[self.fse_at["number"]]
        body["care_date"] = row[self.fse_at["care_date"]]
        for act, when in zip(body["acts"], act_dates, strict=True):
            act["date"] = when
        digest = hashlib.sha256(canonical_bytes(body)).hexdigest()
        doc["digest"] = digest
        return _pack_fast("document", canonical_json(doc).encode("utf-8")), digest

    def _fix_noemie(self, b: int, made: dict[str, list[tuple[Any, ...]]]) -> None:
        """A NOEMIE file is keyed by the SHA-256 of its bytes: each block's copy gets its
        own bytes (a trailing line naming the block) and the key of those, everywhere."""
        from client.store.packing import unpack_file

        cols = self.cloner.columns["noemie_files"]
        key, content = cols.index("sha256"), cols.index("content")
        renamed: dict[str, str] = {}
        files = []
        for r in made.get("noemie_files", []):
            raw = unpack_file(r[content]) + f"\n# copie du bloc {b}\n".encode()
            renamed[r[key]] = hashlib.sha256(raw).hexdigest()
            values = list(r)
            values[key], values[content] = renamed[r[key]], _pack_fast("file", raw)
            files.append(tuple(values))
        made["noemie_files"] = files
        for table, rows in made.items():
            if table != "noemie_files" and rows and renamed:
                made[table] = [
                    tuple(renamed.get(v, v) if isinstance(v, str) else v for v in r) for r in rows
                ]


def _keys(
    made: Mapping[str, list[tuple[Any, ...]]],
    cols: Mapping[str, list[str]],
    table: str,
    column: str,
) -> list[Any]:
    if table not in made:
        return []
    index = cols[table].index(column)
    return [r[index] for r in made[table]]


def _read(db: Any, sql: str, keys: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """The rows of ``sql`` (ending in ``IN``) for ``keys``, in chunks."""
    for start in range(0, len(keys), _CHUNK):
        chunk = list(keys[start : start + _CHUNK])
        yield from db.query(f"{sql} ({', '.join('?' * len(chunk))})", chunk)


class BlockJournal:
    """Appends the entries of each cloned block after the journal's head, chained."""

    def __init__(self, store: Any) -> None:
        from billing.audit import ChainHead

        seq, head = store.journal.journal_head()
        self.db = store.db
        self.head: Any = ChainHead(seq=seq, hash=head) if seq else None

    def _entries(self, entries: list[tuple[str, str, str, str, Mapping[str, Any]]]) -> None:
        """Chain ``entries`` (at, kind, fse, lot, payload) as one journal row."""
        from billing.audit import build_entry

        built = []
        for at, kind, fse_id, lot_id, payload in entries:
            self.head = build_entry(
                self.head, at=at, kind=kind, fse_id=fse_id, lot_id=lot_id, payload=payload
            )
            built.append(self.head)
        self._store(built)

    def _store(self, built: list[AuditEntry]) -> None:
        """Consecutive entries as one journal row (``client.store.journal.stored_entries``)."""
        from client.store.journal import stored_entries

        if built:
            self.head = built[-1]
            self.db.execute(
                "INSERT INTO audit_journal (seq, record, hash) VALUES (?, ?, ?)",
                list(stored_entries(built)),
            )

    def block(
        self, made: Mapping[str, list[tuple[Any, ...]]], cols: Mapping[str, list[str]]
    ) -> None:
        """Journal block ``made``'s rows, read back as the books will read them."""
        from billing import audit
        from billing.audit import AuditKind
        from billing.audit_batch import EventLine, build_event_entries
        from client.store.books import SETTLEMENTS_SQL
        from client.store.event_codes import at_moment, kind_text, state_text
        from client.store.lot_bytes import stored_lot_der
        from client.store.rows import stamp

        read = _read(
            self.db,
            "SELECT e.id, e.at, e.kind, e.from_state, e.to_state, e.detail, f.fse_uuid, "
            "f.number, f.practitioner_id, f.digest, f.lot_id FROM fse_events e "
            "JOIN fse f ON f.id = e.fse_id WHERE e.fse_id IN",
            _keys(made, cols, "fse", "id"),
        )
        # The events in their order, those of one step of a lot together (same time, kind,
        # state reached and detail): one journal row each, as ``Journal.lot_events`` writes.
        steps: dict[tuple[Any, ...], list[EventLine]] = {}
        for r in sorted(read, key=lambda r: int(r["id"])):
            step = (r["at"], r["kind"], r["to_state"], r["detail"])
            steps.setdefault(step, []).append(
                EventLine(
                    event_id=int(r["id"]),
                    fse_id=str(r["fse_uuid"]),
                    lot_id=str(r["lot_id"] or ""),
                    fse_number=int(r["number"]),
                    practitioner_id=str(r["practitioner_id"]),
                    from_state=state_text(r["from_state"]),
                    fse_digest=str(r["digest"]),
                )
            )
        for (when, kind, to_state, detail), lines in steps.items():
            built = build_event_entries(
                self.head,
                at=stamp(at_moment(when)),
                kind=kind_text(kind),
                to_state=state_text(to_state) or "",
                detail=detail,
                lines=lines,
            )
            self._store(built)
        for r in _read(self.db, "SELECT * FROM lots WHERE id IN", _keys(made, cols, "lots", "id")):
            payload: dict[str, Any] = {
                "lot_number": r["number"],
                "practitioner": r["practitioner_id"],
                "state": r["state"],
            }
            kind = AuditKind.LOT_STATE.value
            if r["signed_der"] is not None:
                kind = AuditKind.LOT_SIGNED.value
                der = stored_lot_der(self.db, r["signed_der"])
                payload |= {
                    "content_sha256": r["content_sha256"],
                    "signed_sha256": hashlib.sha256(der).hexdigest(),
                    "fse_count": r["fse_count"],
                    "journal_seq": None,
                }
            self._entries([(str(r["created_at"]), kind, "", str(r["id"]), payload)])
        rows: tuple[tuple[str, str, str, Any, AuditKind, bool], ...] = (
            (
                "SELECT * FROM payments WHERE id IN",
                "payments",
                "id",
                audit.payment_payload,
                AuditKind.PAYMENT,
                True,
            ),
            (
                "SELECT * FROM noemie_files WHERE sha256 IN",
                "noemie_files",
                "sha256",
                audit.noemie_payload,
                AuditKind.NOEMIE_FILE,
                False,
            ),
            (
                "SELECT * FROM unmatched_payments WHERE id IN",
                "unmatched_payments",
                "id",
                audit.unmatched_payload,
                AuditKind.UNMATCHED,
                False,
            ),
            (
                "SELECT * FROM unmatched_payments WHERE resolved_at IS NOT NULL AND id IN",
                "unmatched_payments",
                "id",
                audit.unmatched_resolved_payload,
                AuditKind.UNMATCHED_RESOLVED,
                False,
            ),
            (
                "SELECT * FROM remainder_closures WHERE id IN",
                "remainder_closures",
                "id",
                audit.closure_payload,
                AuditKind.REMAINDER_CLOSED,
                True,
            ),
            (
                f"SELECT * FROM ({SETTLEMENTS_SQL}) AS settled WHERE fse_id IN",  # noqa: S608
                "fse_settlements",
                "fse_id",
                audit.settlement_payload,
                AuditKind.SETTLEMENT,
                True,
            ),
            (
                "SELECT * FROM amc_payments WHERE id IN",
                "amc_payments",
                "id",
                audit.amc_payment_payload,
                AuditKind.AMC_PAYMENT,
                False,
            ),
        )
        at = stamp(at_moment(0))
        for sql, table, column, build, kind_of, of_fse in rows:
            for r in _read(self.db, sql, _keys(made, cols, table, column)):
                fse = str(r.get("fse_uuid") or "") if of_fse else ""
                self._entries([(at, kind_of.value, fse, "", build(r))])


def build_verifying_store(ctx: RunContext, count: int) -> tuple[Path, float | None]:
    """A store of ``count`` FSE whose journal verifies (cached); generation seconds or None."""

    def fill(store: Any) -> None:
        conn = store.db.conn
        blocks = count // BLOCK
        cloner = Cloner(conn, blocks, verifiable=True)
        fixer = VerifiableBlocks(cloner)
        journal = BlockJournal(store)
        order = _parents_first(conn, cloner.tables)
        for b in range(1, blocks):
            made = cloner.block(b)
            fixer.fix(b, made)
            insert_block(conn, order, cloner.columns, made)
            journal.block(made, cloner.columns)
            if b % 2000 == 0:
                print(f"  {b * BLOCK} FSE", file=sys.stderr, flush=True)
        conn.execute("UPDATE fse_event_ids SET last = (SELECT MAX(id) FROM fse_events)")

    return generate_store(ctx, f"verifying-{count}", fill)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--fse", type=int, required=True, help="FSE in the store (× 50)")
    args = parser.parse_args(argv)
    ctx = RunContext(quick=False, tiny=False, workdir=args.workdir)
    directory, seconds = build_verifying_store(ctx, args.fse)
    took = "cached" if seconds is None else f"{seconds:.0f} s"
    print(f"{directory / 'sesam.db'} ({took})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
