"""Reading FSE, lots, events, a patient's history and the outbox: the views' queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState
from client.store.connection import Repository
from client.store.errors import AmbiguousError, NotFoundError
from client.store.event_codes import read_event
from client.store.rows import (
    _LOT_COLUMNS,
    EventRow,
    FseRow,
    HistoryAct,
    LotRow,
    OutboxRow,
    OutboxStatus,
    _fse_row,
    _lot_row,
    _outbox_row,
    _where,
)
from client.store.scoping import within


class Queries(Repository):
    """Reading FSE, lots, events, a patient's history and the outbox: the views' queries."""

    def fse_by_id(self, fse_id: int) -> FseRow:
        row = self._one("SELECT * FROM fse WHERE id = ?", [fse_id])
        if row is None:
            raise NotFoundError(f"FSE (id interne {fse_id})")
        return _fse_row(row)

    def fse_by_number(self, number: int, practitioner_id: str | None = None) -> FseRow:
        """The FSE with this number (of this practitioner when several bill here).

        :raises NotFoundError: no such FSE.
        :raises AmbiguousError: several practitioners have an FSE with this number.
        """
        if practitioner_id is None:
            rows = list(self.db.query("SELECT * FROM fse WHERE number = ?", [number]))
        else:
            rows = list(
                self.db.query(
                    "SELECT * FROM fse WHERE number = ? AND practitioner_id = ?",
                    [number, practitioner_id],
                )
            )
        if not rows:
            raise NotFoundError(f"FSE n° {number}")
        if len(rows) > 1:
            raise AmbiguousError(f"FSE n° {number}")
        return _fse_row(rows[0])

    def fse_by_uuid(self, fse_uuid: str) -> FseRow:
        """The FSE with this wire identifier (ARL, NOEMIE)."""
        row = self._one("SELECT * FROM fse WHERE fse_uuid = ?", [fse_uuid])
        if row is None:
            raise NotFoundError(f"FSE {fse_uuid}")
        return _fse_row(row)

    def fse_list(
        self,
        state: FseState | None = None,
        practitioner_id: str | None = None,
        lot_id: str | None = None,
        *,
        exclude: tuple[FseState, ...] = (),
        newest_first: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[FseRow]:
        """FSE in number order (or newest first), optionally filtered; one page of them
        with ``limit``/``offset`` (the lists that fetch rows as they are shown)."""
        clause, params = _where(
            state=state.value if state else None, practitioner_id=practitioner_id, lot_id=lot_id
        )
        values: list[str | int] = list(params)
        if exclude:
            marks = ", ".join("?" * len(exclude))
            clause += f"{' AND' if clause else ' WHERE'} state NOT IN ({marks})"
            values += [s.value for s in exclude]
        order = " DESC" if newest_first else ""
        sql = f"SELECT * FROM fse{clause} ORDER BY practitioner_id{order}, number{order}"  # noqa: S608
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            values += [limit, offset]
        return [_fse_row(r) for r in self.db.query(sql, values)]

    def fse_matching(
        self, condition: str, values: list[str | int], *, limit: int, offset: int = 0
    ) -> list[FseRow]:
        """One page, newest first, of the FSE ``f`` meeting ``condition`` (SQL written by
        the caller from constants; the values are parameters): lists filtered on more than
        columns of ``fse``, like the reconciliation's statuses."""
        return [
            _fse_row(r)
            for r in self.db.query(
                f"SELECT f.* FROM fse f WHERE {condition} "  # noqa: S608
                "ORDER BY f.practitioner_id DESC, f.number DESC LIMIT ? OFFSET ?",
                [*values, limit, offset],
            )
        ]

    def fse_count(
        self,
        state: FseState | None = None,
        practitioner_id: str | None = None,
        *,
        exclude: tuple[FseState, ...] = (),
    ) -> int:
        """How many FSE :meth:`fse_list` would list with these filters (counted on an index)."""
        clause, params = _where(
            state=state.value if state else None, practitioner_id=practitioner_id
        )
        values: list[str | int] = list(params)
        if exclude:
            marks = ", ".join("?" * len(exclude))
            clause += f"{' AND' if clause else ' WHERE'} state NOT IN ({marks})"
            values += [s.value for s in exclude]
        row = self._one(f"SELECT count(*) AS n FROM fse{clause}", values)  # noqa: S608
        return int(row["n"]) if row else 0

    def fse_totals_by_state(
        self, practitioners: frozenset[str] | None = None
    ) -> dict[FseState, tuple[int, Decimal, Decimal, Decimal]]:
        """(count, total fees, AMO, AMC) of the FSE in each state (of ``practitioners``
        when given), from the month totals the triggers keep (a few rows per distinct
        amount, whatever the size of the store; per practitioner since m024)."""
        totals: dict[FseState, tuple[int, Decimal, Decimal, Decimal]] = {}
        seen, ids = within("practitioner_id", practitioners)
        for r in self.db.query(
            "SELECT state, total_fees, amo, amc, sum(n) AS n FROM fse_month_totals "  # noqa: S608
            f"WHERE n > 0{seen} GROUP BY state, total_fees, amo, amc",
            ids,
        ):
            n = int(r["n"])
            count, fees, amo, amc = totals.get(
                FseState(r["state"]), (0, Decimal(0), Decimal(0), Decimal(0))
            )
            totals[FseState(r["state"])] = (
                count + n,
                fees + n * Decimal(r["total_fees"]),
                amo + n * Decimal(r["amo"]),
                amc + n * Decimal(r["amc"]),
            )
        return totals

    def fse_degrade_open(self) -> list[FseRow]:
        """The dégradé FSE not cancelled, in number order (the SCOR page; a partial index
        holds only them)."""
        return [
            _fse_row(r)
            for r in self.db.query(
                "SELECT * FROM fse WHERE mode = 'degrade' "
                "AND state != ? ORDER BY practitioner_id, number",
                [FseState.CANCELLED.value],
            )
        ]

    #: The dégradé FSE not cancelled and with no PJ in another status than these (the SCOR
    #: page's « waiting for their feuille »), from the partial index ``fse_degrade`` (named:
    #: the planner would rather scan a covering index of every FSE to count them).
    _DEGRADE_WAITING = (
        "FROM fse f INDEXED BY fse_degrade WHERE f.mode = 'degrade' AND f.state != ? "
        "AND NOT EXISTS ("
        "SELECT 1 FROM scor_pj p WHERE p.fse_id = f.id AND p.status NOT IN ({marks}))"
    )

    def fse_degrade_waiting(
        self, idle_pj: tuple[str, ...], limit: int, offset: int = 0
    ) -> list[FseRow]:
        """One page, newest first, of the dégradé FSE not cancelled whose PJ (if any) are
        all in a status of ``idle_pj``: the SCOR page's list, read as it scrolls."""
        sql = self._DEGRADE_WAITING.format(marks=", ".join("?" * len(idle_pj)))
        return [
            _fse_row(r)
            for r in self.db.query(
                f"SELECT f.* {sql} ORDER BY f.practitioner_id DESC, f.number DESC LIMIT ? OFFSET ?",
                [FseState.CANCELLED.value, *idle_pj, limit, offset],
            )
        ]

    def fse_degrade_waiting_count(
        self, idle_pj: tuple[str, ...], before: FseRow | None = None
    ) -> int:
        """How many FSE :meth:`fse_degrade_waiting` lists in all, or ahead of ``before``
        (its row in the list: a refresh keeps it chosen)."""
        sql = self._DEGRADE_WAITING.format(marks=", ".join("?" * len(idle_pj)))
        values: list[str | int] = [FseState.CANCELLED.value, *idle_pj]
        if before is not None:
            sql += " AND (f.practitioner_id, f.number) > (?, ?)"
            values += [before.practitioner_id, before.number]
        row = self._one(f"SELECT count(*) AS n {sql}", values)
        return int(row["n"]) if row else 0

    def lot_numbers(self, lot_ids: list[str]) -> dict[str, int]:
        """The numbers of these lots (a page of a list shows them), by lot id."""
        wanted = sorted(set(lot_ids))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        return {
            str(r["id"]): int(r["number"])
            for r in self.db.query(
                f"SELECT id, number FROM lots WHERE id IN ({marks})",  # noqa: S608
                wanted,
            )
        }

    def fse_events(self, fse_id: int) -> list[EventRow]:
        """Every transition of an FSE, oldest first."""
        events = (
            read_event(r)  # integer-coded (m029)
            for r in self.db.query(
                "SELECT * FROM fse_events WHERE fse_id = ? ORDER BY id", [fse_id]
            )
        )
        return [
            EventRow(
                at=e.at,
                kind=FseEventKind(e.kind),
                from_state=FseState(e.from_state) if e.from_state else None,
                to_state=FseState(e.to_state),
                detail=e.detail,
            )
            for e in events
        ]

    def history(self, patient_key: str, since: date, until: date) -> list[HistoryAct]:
        """Acts billed for a bénéficiaire between two dates (inclusive), cancelled and
        rectified FSE left out (a rectified FSE's acts are its rectificative's)."""
        return [
            HistoryAct(
                fse_number=r["number"],
                practitioner_id=r["practitioner_id"],
                act_date=date.fromisoformat(r["act_date"]),
                code=r["code"],
                quantity=r["quantity"],
                coefficient=Decimal(r["coefficient"]),
                overrun_kind=r["overrun_kind"],
                fee=Decimal(r["fee"]),
            )
            for r in self.db.query(
                "SELECT f.number, a.practitioner_id, a.act_date, a.code, a.quantity, "
                "a.coefficient, a.overrun_kind, a.fee "
                "FROM fse_acts a JOIN fse f ON f.id = a.fse_id "
                "WHERE a.patient_id = ? AND a.act_date BETWEEN ? AND ? AND f.state NOT IN (?, ?) "
                "ORDER BY a.act_date, f.number, a.line",
                [
                    patient_key,
                    since.isoformat(),
                    until.isoformat(),
                    FseState.CANCELLED.value,
                    FseState.RECTIFIED.value,
                ],
            )
        ]

    def lots(
        self,
        state: LotState | None = None,
        practitioner_id: str | None = None,
        kind: str | None = None,
    ) -> list[LotRow]:
        """Lots in number order, optionally filtered."""
        clause, params = _where(
            state=state.value if state else None, practitioner_id=practitioner_id, kind=kind
        )
        return [
            _lot_row(r)
            for r in self.db.query(
                f"SELECT {_LOT_COLUMNS} FROM lots{clause} "  # noqa: S608
                "ORDER BY practitioner_id, number",
                params,
            )
        ]

    def lots_page(
        self, limit: int, offset: int = 0, practitioners: frozenset[str] | None = None
    ) -> list[tuple[LotRow, OutboxRow | None]]:
        """One page of the lots (of ``practitioners`` when given), newest first, each with
        its outbox row (None once sent or never queued): the queue page's list, read as it
        scrolls. The order is the one of the ``UNIQUE (practitioner_id, number)`` index: a
        page reads a page of rows."""
        seen, ids = within("practitioner_id", practitioners)
        lots = [
            _lot_row(r)
            for r in self.db.query(
                f"SELECT {_LOT_COLUMNS} FROM lots WHERE 1 = 1{seen} "  # noqa: S608
                "ORDER BY practitioner_id DESC, number DESC LIMIT ? OFFSET ?",
                [*ids, limit, offset],
            )
        ]
        outbox: dict[str, OutboxRow] = {}
        if lots:
            marks = ", ".join("?" * len(lots))
            for r in self.db.query(
                f"SELECT * FROM outbox WHERE id IN ({marks})",  # noqa: S608
                [lot.id for lot in lots],
            ):
                outbox[str(r["id"])] = _outbox_row(r)
            # outbox.attempts counts the failed tries (it drives the backoff); the user wants
            # every delivery, the successful one included: transmissions counts those.
            for r in self.db.query(
                f"SELECT lot_id, attempts FROM transmissions WHERE lot_id IN ({marks})",  # noqa: S608
                [lot.id for lot in lots],
            ):
                row = outbox.get(str(r["lot_id"]))
                if row is not None and int(r["attempts"]) > row.attempts:
                    outbox[row.id] = row._replace(attempts=int(r["attempts"]))
        return [(lot, outbox.get(lot.id)) for lot in lots]

    def lot_count(self, practitioners: frozenset[str] | None = None) -> int:
        """How many lots :meth:`lots_page` lists in all (counted on an index)."""
        seen, ids = within("practitioner_id", practitioners)
        row = self._one(f"SELECT count(*) AS n FROM lots WHERE 1 = 1{seen}", ids)  # noqa: S608
        return int(row["n"]) if row else 0

    def lot_by_id(self, lot_id: str) -> LotRow:
        """The lot with this UUID."""
        row = self._one(f"SELECT {_LOT_COLUMNS} FROM lots WHERE id = ?", [lot_id])  # noqa: S608
        if row is None:
            raise NotFoundError(f"Lot {lot_id}")
        return _lot_row(row)

    def lot_by_number(self, number: int, practitioner_id: str | None = None) -> LotRow:
        """The lot with this number (of this practitioner when several bill here)."""
        rows = [
            r
            for r in self.db.query(
                f"SELECT {_LOT_COLUMNS} FROM lots WHERE number = ?",  # noqa: S608
                [number],
            )
            if practitioner_id is None or r["practitioner_id"] == practitioner_id
        ]
        if not rows:
            raise NotFoundError(f"Lot n° {number}")
        if len(rows) > 1:
            raise AmbiguousError(f"Lot n° {number}")
        return _lot_row(rows[0])

    def lot_der(self, lot_id: str) -> bytes | None:
        """The signed lot (CMS SignedData, DER), None while the lot is open."""
        row = self._one("SELECT signed_der FROM lots WHERE id = ?", [lot_id])
        if row is None:
            raise NotFoundError(f"Lot {lot_id}")
        der = row["signed_der"]
        from client.store.lot_bytes import stored_lot_der  # asn1crypto only for a lot's bytes

        return stored_lot_der(self.db, der) if der is not None else None

    def outbox_get(self, outbox_id: str) -> OutboxRow | None:
        """The outbox row of a lot (None once removed)."""
        row = self._one("SELECT * FROM outbox WHERE id = ?", [outbox_id])
        return _outbox_row(row) if row else None

    def outbox_rows(self, status: OutboxStatus | None = None) -> list[OutboxRow]:
        """Outbox rows, oldest first, optionally of one status."""
        if status is None:
            rows = self.db.query("SELECT * FROM outbox ORDER BY created_at, id")
        else:
            rows = self.db.query(
                "SELECT * FROM outbox WHERE status = ? ORDER BY created_at, id", [int(status)]
            )
        return [_outbox_row(r) for r in rows]
