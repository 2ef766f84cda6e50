"""What came back for the FSE: transmissions, ARL, NOEMIE payments, unpaid remainders and
their closures, and the desk's settlements; the rows the client's returns modules read
(``client.remainders``, ``client.euro_status``), typed here, mapped from their fields."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from billing.fse_states import FseState
from client.reconciliation import Reconciliation
from client.store.connection import Connection, Repository
from client.store.errors import StoreError
from client.store.mapping import columns, row_of
from client.store.queries import Queries
from client.store.rows import FSE_MODE_SQL, FseRow, StatusCount, stamp
from client.store.scoping import unmatched_within, within

if TYPE_CHECKING:  # the NOEMIE parser is loaded by the returns, not by opening the store
    from billing.noemie import NoemieFile, NoemieInvoice, NoemiePayment

#: Payment outcomes that leave money unpaid.
UNPAID_OUTCOMES = (Reconciliation.PARTLY_PAID.value, Reconciliation.REJECTED.value)

# The latest payment line of each FSE still paid or rejected (a rectified FSE left out: its
# rectificative bills the care), partly paid or rejected, with the latest closure's motif.
# ``payments_outcome`` (m013) reads those lines only.
SQL_REMAINDERS = (
    "SELECT p.id, p.fse_uuid, p.outcome, p.billed_amo, p.billed_amc, p.paid_amo, "
    "p.paid_amc, p.motif_code, p.motif_label, p.paid_on, p.recorded_at, f.number, "
    "f.care_date, f.practitioner_id, ("
    "SELECT c.motif FROM remainder_closures c WHERE c.fse_uuid = p.fse_uuid "
    "ORDER BY c.id DESC LIMIT 1) AS closed "
    "FROM payments p JOIN fse f ON f.fse_uuid = p.fse_uuid "
    "WHERE p.outcome IN (?, ?) AND f.state IN (?, ?) "
    "AND p.id = (SELECT max(q.id) FROM payments q WHERE q.fse_uuid = p.fse_uuid)"
)


#: :class:`RemainderRow` from the ``remainders`` kept by triggers (m021): the same rows as
#: :data:`SQL_REMAINDERS` (which stays as the definition the tests compare them with).
_REMAINDER_ROWS = (
    "SELECT r.payment_id AS id, r.fse_uuid, r.outcome, r.billed_amo, r.billed_amc, "
    "r.paid_amo, r.paid_amc, p.motif_code, p.motif_label, p.paid_on, p.recorded_at, "
    "f.number, f.care_date, f.practitioner_id, nullif(r.closed, '') AS closed "
    "FROM remainders r JOIN payments p ON p.id = r.payment_id "
    "JOIN fse f ON f.fse_uuid = r.fse_uuid "
)


class PaymentRow(NamedTuple):
    """What the latest ``payments`` line says of an FSE (the columns its readers use: a
    list page maps one per FSE shown)."""

    fse_uuid: str
    outcome: str  # client.reconciliation.Reconciliation
    virement_ref: str
    paid_on: str | None  # ISO date
    paid_amo: Decimal
    paid_amc: Decimal
    motif_code: str | None
    motif_label: str
    recorded_at: str  # store stamp
    amc_state: str = ""  # NOEMIE 199 state: P, R, D, " " (not the caisse's to pay), "" none
    amc_number: str = ""  # the AMC named by NOEMIE 199 (m022)


#: NOEMIE 199 states that leave the AMC part to the AMC (« pas de traitement », « différé »).
AMC_LEFT_STATES = (" ", "D")


class ReconcileRow(NamedTuple):
    """What the reconciliation lists show of one FSE and its latest payment line (the
    payment's columns None when it has none): never the FSE's document."""

    fse_uuid: str
    number: int
    care_date: str
    mode: str
    state: FseState
    amo: Decimal
    amc: Decimal
    outcome: str | None
    virement_ref: str | None
    paid_amo: Decimal | None
    paid_amc: Decimal | None
    motif_code: str | None
    motif_label: str | None


#: The columns of :class:`ReconcileRow`: the FSE ``f`` and its latest payment line ``p``.
_RECONCILE_ROWS = (
    f"SELECT f.fse_uuid, f.number, f.care_date, {FSE_MODE_SQL} AS mode, "  # noqa: S608
    "f.state, f.amo, f.amc, p.outcome, "
    "p.virement_ref, p.paid_amo, p.paid_amc, p.motif_code, p.motif_label FROM fse f "
    "LEFT JOIN payments p ON p.id = (SELECT max(q.id) FROM payments q "
    "WHERE q.fse_uuid = f.fse_uuid) "
)


class RemainderRow(NamedTuple):
    """The latest payment line of an FSE partly paid or rejected, with its FSE and the
    motif of its latest closure (None when not closed)."""

    id: int
    fse_uuid: str
    outcome: str
    billed_amo: Decimal
    billed_amc: Decimal
    paid_amo: Decimal
    paid_amc: Decimal
    motif_code: str | None
    motif_label: str | None
    paid_on: str | None
    recorded_at: str
    number: int
    care_date: str
    practitioner_id: str
    closed: str | None


class RemainderGroup(NamedTuple):
    """``n`` remainders with the same closure, outcome and amounts."""

    closed: str | None
    outcome: str
    billed_amo: Decimal
    billed_amc: Decimal
    paid_amo: Decimal
    paid_amc: Decimal
    n: int


class ClosureRow(NamedTuple):
    """One ``remainder_closures`` row."""

    id: int
    fse_uuid: str
    motif: str
    amount: Decimal
    comment: str
    closed_at: datetime
    closed_by: str


class SettlementRow(NamedTuple):
    """How the patient paid at the desk (``fse_settlements``)."""

    means: str
    amount: Decimal
    recorded_at: str


#: The latest payment line's outcome of FSE ``f`` (what its reconciliation shows).
_LATEST_OUTCOME = (
    "(SELECT p.outcome FROM payments p WHERE p.fse_uuid = f.fse_uuid ORDER BY p.id DESC LIMIT 1)"
)


def _status_filter(
    status: Reconciliation, not_listed: tuple[FseState, ...]
) -> tuple[str, list[str | int]]:
    """The SQL condition on FSE ``f`` whose reconciliation is ``status``
    (``client.reconcile_views._status`` says which)."""
    settled: list[str | int] = [FseState.PAID.value, FseState.REJECTED.value]
    if status is Reconciliation.REFUSED:
        return "f.state = ?", [FseState.REFUSED.value]
    if status is Reconciliation.WAITING:
        excluded: list[str | int] = [s.value for s in (*not_listed, FseState.REFUSED)]
        marks = ", ".join("?" * len(excluded))
        condition = (
            f"f.state NOT IN ({marks}) AND "
            f"NOT (f.state IN (?, ?) AND {_LATEST_OUTCOME} IS NOT NULL)"
        )
        return condition, [*excluded, *settled]
    # ``+f.state``: walk the (practitioner, number) index newest first and stop at a page,
    # rather than sort every settled FSE (most of a store).
    return f"+f.state IN (?, ?) AND {_LATEST_OUTCOME} = ?", [*settled, status.value]


class Returns(Repository):
    """Reading what came back for the FSE; recording payments and closures."""

    def __init__(self, conn: Connection, queries: Queries) -> None:
        super().__init__(conn)
        self.queries = queries

    def fse_page_with_status(
        self,
        status: Reconciliation,
        not_listed: tuple[FseState, ...],
        *,
        limit: int,
        offset: int = 0,
    ) -> list[FseRow]:
        """One page, newest first, of the FSE (``not_listed`` states left out) whose
        reconciliation is ``status``, filtered by the database."""
        condition, values = _status_filter(status, not_listed)
        return self.queries.fse_matching(condition, values, limit=limit, offset=offset)

    def reconcile_rows(
        self,
        not_listed: tuple[FseState, ...],
        status: Reconciliation | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = True,
        practitioners: frozenset[str] | None = None,
    ) -> list[ReconcileRow]:
        """The FSE of the reconciliation (``not_listed`` states left out), of one
        ``status`` when given, of ``practitioners`` only when given (who is looking),
        with their latest payment line, in the order of the ``(practitioner_id, number)``
        index (newest first by default); a page with ``limit``. One query, the FSE's own
        columns only."""
        values: list[str | int]
        if status is None:
            marks = ", ".join("?" * len(not_listed))
            condition, values = f"f.state NOT IN ({marks})", [s.value for s in not_listed]
        else:
            condition, values = _status_filter(status, not_listed)
        if practitioners is not None:
            ids = sorted(practitioners)
            marks = ", ".join("?" * len(ids)) or "NULL"  # nobody: no row
            condition = f"({condition}) AND f.practitioner_id IN ({marks})"
            values = [*values, *ids]
        order = " DESC" if newest_first else ""
        sql = (
            f"{_RECONCILE_ROWS}WHERE {condition} ORDER BY f.practitioner_id{order}, f.number{order}"
        )
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            values = [*values, limit, offset]
        return [row_of(ReconcileRow, r) for r in self.db.query(sql, values)]

    def latest_payment(self, fse_uuid: str) -> PaymentRow | None:
        """The latest payment line of an FSE (the one that counts)."""
        row = self._one(
            f"SELECT {columns(PaymentRow)} FROM payments WHERE fse_uuid = ? "  # noqa: S608
            "ORDER BY id DESC LIMIT 1",
            [fse_uuid],
        )
        return row_of(PaymentRow, row) if row else None

    def settlement_row(self, fse_id: int) -> SettlementRow | None:
        """How and when the patient paid at the desk, None when nothing was recorded."""
        row = self._one(
            f"SELECT {columns(SettlementRow)} FROM fse_settlements WHERE fse_id = ?",  # noqa: S608
            [fse_id],
        )
        return row_of(SettlementRow, row) if row else None

    def remainders(
        self,
        *,
        include_claimed: bool,
        limit: int | None = None,
        offset: int = 0,
        practitioners: frozenset[str] | None = None,
    ) -> list[RemainderRow]:
        """The remainders not closed (claimed ones too with ``include_claimed``), oldest
        return first (a page when ``limit``), from the ``remainders`` the triggers keep
        (m021) in the order of their index; those of ``practitioners`` when given (m026)."""
        closed = "r.closed = ''" + (" OR r.closed = 'reclame'" if include_claimed else "")
        seen, ids = within("r.practitioner_id", practitioners)
        sql = f"{_REMAINDER_ROWS}WHERE ({closed}){seen} ORDER BY r.payment_id"
        values: list[object] = list(ids)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            values += [limit, offset]
        return [row_of(RemainderRow, r) for r in self.db.query(sql, values)]

    def remainder_of(self, fse_uuid: str) -> RemainderRow | None:
        """The remainder of one FSE, closed or not; None when nothing is unpaid."""
        row = self._one(f"{_REMAINDER_ROWS}WHERE r.fse_uuid = ?", [fse_uuid])
        return row_of(RemainderRow, row) if row else None

    def remainder_groups(self, practitioners: frozenset[str] | None = None) -> list[RemainderGroup]:
        """Every remainder (of ``practitioners`` when given), grouped by closure, outcome
        and amounts (summed by the caller), as the triggers count them
        (``remainder_counts``, m021, per practitioner since m026)."""
        seen, ids = within("practitioner_id", practitioners)
        return [
            row_of(RemainderGroup, r)
            for r in self.db.query(
                "SELECT nullif(closed, '') AS closed, outcome, billed_amo, billed_amc, "  # noqa: S608
                f"paid_amo, paid_amc, sum(n) AS n FROM remainder_counts WHERE n > 0{seen} "
                "GROUP BY closed, outcome, billed_amo, billed_amc, paid_amo, paid_amc",
                ids,
            )
        ]

    def latest_closure(self, fse_uuid: str) -> ClosureRow | None:
        """The closure that counts for an FSE (the latest), None when it has none."""
        row = self._one(
            f"SELECT {columns(ClosureRow)} FROM remainder_closures WHERE fse_uuid = ? "  # noqa: S608
            "ORDER BY id DESC LIMIT 1",
            [fse_uuid],
        )
        return row_of(ClosureRow, row) if row else None

    def insert_closure(
        self, fse_uuid: str, motif: str, amount: Decimal, comment: str, now: datetime, by: str
    ) -> int:
        """Record a closure (inside ``write()``, journaled by the caller); returns its id."""
        self._require_transaction()
        cursor = self.db.execute(
            "INSERT INTO remainder_closures (fse_uuid, motif, amount, comment, closed_at, "
            "closed_by) VALUES (?, ?, ?, ?, ?, ?)",
            [fse_uuid, motif, str(amount), comment, stamp(now), by],
        )
        return int(cursor.lastrowid or 0)

    # -------------------------------------------------------------------- NOEMIE, payments

    def noemie_imported(self, sha256: str) -> bool:
        """Was this NOEMIE file (by digest) imported already?"""
        return self._one("SELECT 1 AS x FROM noemie_files WHERE sha256 = ?", [sha256]) is not None

    def insert_noemie_file(
        self,
        sha256: str,
        noemie: NoemieFile,
        data: bytes,
        *,
        source: str,
        name: str,
        server_seq: int | None,
        invoices: int,
        now: datetime,
    ) -> None:
        """Record an imported NOEMIE file (its counts set by :meth:`set_noemie_counts`)."""
        from client.store import packing  # zstd: not for the listings that read returns

        self.db.execute(
            "INSERT INTO noemie_files (sha256, source, name, server_seq, file_number, emitter, "
            "receiver, created_on, imported_at, invoices, matched, unmatched, content) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
            [
                sha256,
                source,
                name,
                server_seq,
                noemie.file_number,
                noemie.emitter,
                noemie.receiver,
                noemie.created_on.isoformat(),
                stamp(now),
                invoices,
                packing.pack_file(data),  # compressed (issue #27); books hash the file itself
            ],
        )

    def set_noemie_counts(self, sha256: str, matched: int, unmatched: int) -> None:
        self.db.execute(
            "UPDATE noemie_files SET matched = ?, unmatched = ? WHERE sha256 = ?",
            [matched, unmatched, sha256],
        )

    def insert_unmatched(
        self,
        sha256: str,
        inv: NoemieInvoice,
        pay: NoemiePayment | None,
        *,
        patient: str,
        reason: str,
        now: datetime,
    ) -> int | None:
        """Keep a NOEMIE line that matched no FSE; its id, None when it was kept already."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO unmatched_payments (noemie_sha256, fse_uuid, lot_id, outcome, "
            "virement_ref, paid_on, care_date, paid_amo, paid_amc, motif_code, motif_label, "
            "patient, reason, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                sha256,
                inv.fse_id,
                inv.lot_id,
                inv.outcome.value,
                pay.reference if pay else "",
                pay.paid_on.isoformat() if pay else None,
                inv.care_date.isoformat(),
                str(inv.paid_amo),
                str(inv.paid_amc),
                inv.motif_code,
                inv.motif_label,
                patient,
                reason,
                stamp(now),
            ],
        )
        return int(cursor.lastrowid or 0) if cursor.rowcount == 1 else None

    def insert_payment(
        self,
        *,
        fse_uuid: str,
        noemie_sha256: str,
        outcome: str,
        virement_ref: str,
        paid_on: str | None,
        billed: tuple[Decimal, Decimal],
        paid: tuple[Decimal, Decimal],
        motif_code: str | None,
        motif_label: str,
        now: datetime,
        or_ignore: bool = False,
        part_states: tuple[str, str] = ("", ""),
        amc_number: str = "",
    ) -> int | None:
        """Record a payment line (AMO, AMC amounts billed and paid); its id, None when
        ``or_ignore`` and the file already gave one for this FSE. ``part_states`` are the
        NOEMIE 198 / 199 states, ``amc_number`` the AMC 199 names (m022)."""
        # One line per FSE and file, checked here on ``payments_fse`` rather than by a
        # UNIQUE index on the two texts (~120 B per FSE, m030), in the same transaction.
        cursor = self.db.execute(
            "INSERT INTO payments (fse_uuid, noemie_sha256, outcome, virement_ref, paid_on, "
            "billed_amo, billed_amc, paid_amo, paid_amc, motif_code, motif_label, recorded_at, "
            "amo_state, amc_state, amc_number) "
            "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM payments WHERE fse_uuid = ? AND noemie_sha256 = ?)",
            [
                fse_uuid,
                noemie_sha256,
                outcome,
                virement_ref,
                paid_on,
                str(billed[0]),
                str(billed[1]),
                str(paid[0]),
                str(paid[1]),
                motif_code,
                motif_label,
                stamp(now),
                part_states[0],
                part_states[1],
                amc_number,
                fse_uuid,
                noemie_sha256,
            ],
        )
        if cursor.rowcount == 1:
            return int(cursor.lastrowid or 0)
        if or_ignore:
            return None
        raise StoreError(
            "Ce fichier NOEMIE a déjà donné un paiement pour cette FSE : rien n'est "
            "enregistré une seconde fois."
        )

    def latest_payments(self, fse_uuids: list[str] | None = None) -> dict[str, PaymentRow]:
        """The latest payment line of each FSE (of these FSE only, when given)."""
        sql = f"SELECT {columns(PaymentRow)} FROM payments"  # noqa: S608
        values: list[str] = []
        if fse_uuids is not None:
            if not fse_uuids:
                return {}
            sql += f" WHERE fse_uuid IN ({', '.join('?' * len(fse_uuids))})"
            values = fse_uuids
        latest: dict[str, PaymentRow] = {}
        for r in self.db.query(sql + " ORDER BY id", values):
            latest[str(r["fse_uuid"])] = row_of(PaymentRow, r)
        return latest

    def status_counts(self) -> list[StatusCount]:
        """The FSE counted per state and latest payment outcome (kept by triggers)."""
        return [
            row_of(StatusCount, r)
            for r in self.db.query("SELECT state, outcome, n FROM fse_status_counts WHERE n > 0")
        ]

    # ------------------------------------------------------------------------ unmatched

    def unmatched(
        self, include_resolved: bool = False, practitioners: frozenset[str] | None = None
    ) -> list[dict[str, Any]]:
        """Payments and rejects that matched no FSE here (rows as the lists show them);
        those of ``practitioners`` when given (:func:`client.store.scoping.unmatched_within`)."""
        clause = "1 = 1" if include_resolved else "resolved_at IS NULL"
        seen, ids = unmatched_within(practitioners)
        return list(
            self.db.query(
                f"SELECT * FROM unmatched_payments WHERE {clause}{seen} ORDER BY id",  # noqa: S608
                ids,
            )
        )

    def unmatched_page(
        self, limit: int, offset: int = 0, practitioners: frozenset[str] | None = None
    ) -> list[dict[str, Any]]:
        """One page of the unresolved ones (of ``practitioners`` when given)."""
        seen, ids = unmatched_within(practitioners)
        return list(
            self.db.query(
                f"SELECT * FROM unmatched_payments WHERE resolved_at IS NULL{seen} "  # noqa: S608
                "ORDER BY id LIMIT ? OFFSET ?",
                [*ids, limit, offset],
            )
        )

    def unmatched_count(self, practitioners: frozenset[str] | None = None) -> int:
        """How many are unresolved (of ``practitioners`` when given)."""
        seen, ids = unmatched_within(practitioners)
        row = self._one(
            f"SELECT count(*) AS n FROM unmatched_payments WHERE resolved_at IS NULL{seen}",  # noqa: S608
            ids,
        )
        return int(row["n"]) if row else 0

    def unmatched_by_id(self, payment_id: int) -> dict[str, Any] | None:
        """One unmatched line, resolved or not."""
        return self._one("SELECT * FROM unmatched_payments WHERE id = ?", [payment_id])

    def resolve_unmatched(self, payment_id: int, fse_uuid: str, by: str, now: datetime) -> None:
        """Mark an unmatched line matched by hand with an FSE (kept, not deleted)."""
        self.db.execute(
            "UPDATE unmatched_payments SET resolved_at = ?, resolved_by = ?, "
            "resolved_fse_uuid = ? WHERE id = ?",
            [stamp(now), by, fse_uuid, payment_id],
        )
