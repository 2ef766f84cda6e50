"""Reading FSE, lots, events, a patient's history and the outbox."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.fse_states import FseEventKind, FseState
from billing.lot import LotState
from client.store.base import StoreBase
from client.store.errors import AmbiguousError, NotFoundError
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
    parse_db_stamp,
)


class QueryStore(StoreBase):
    """Reading FSE, lots, events, a patient's history and the outbox."""

    def _fse_by_id(self, fse_id: int) -> FseRow:
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
    ) -> list[FseRow]:
        """FSE in number order, optionally filtered."""
        clause, params = _where(
            state=state.value if state else None, practitioner_id=practitioner_id, lot_id=lot_id
        )
        return [
            _fse_row(r)
            for r in self.db.query(
                f"SELECT * FROM fse{clause} ORDER BY practitioner_id, number",  # noqa: S608
                params,
            )
        ]

    def fse_events(self, fse_id: int) -> list[EventRow]:
        """Every transition of an FSE, oldest first."""
        return [
            EventRow(
                at=parse_db_stamp(r["at"]),
                kind=FseEventKind(r["kind"]),
                from_state=FseState(r["from_state"]) if r["from_state"] else None,
                to_state=FseState(r["to_state"]),
                detail=r["detail"],
            )
            for r in self.db.query(
                "SELECT * FROM fse_events WHERE fse_id = ? ORDER BY id", [fse_id]
            )
        ]

    def history(self, patient_key: str, since: date, until: date) -> list[HistoryAct]:
        """Acts billed for a bénéficiaire between two dates (inclusive), cancelled FSE left out."""
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
                "WHERE a.patient_id = ? AND a.act_date BETWEEN ? AND ? AND f.state != ? "
                "ORDER BY a.act_date, f.number, a.line",
                [patient_key, since.isoformat(), until.isoformat(), FseState.CANCELLED.value],
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
        return bytes(der) if der is not None else None

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
