"""The devis kept per patient (migration m017): written whole with their lines, read by
id or by patient (``client.devis``; the OCAM export reads them here too), marked billed
with their FSE or abandoned."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from billing.devis import Devis, DevisLine, DevisState
from client.store.connection import Repository
from client.store.errors import NotFoundError, StoreError
from client.store.rows import parse_db_stamp, stamp

_COLUMNS = (
    "id, patient_id, patient_name, practitioner_id, created_at, care_date, valid_until, "
    "state, request, total_fees, amo, amc, patient_remainder, amc_number, amc_contract, "
    "referential_version, fse_uuid"
)


class DevisStateError(StoreError):
    """The devis is not open (billed or abandoned already)."""


class DevisBook(Repository):
    """The devis table and its lines."""

    def next_id(self, year: int) -> str:
        """« DV-AAAA-NNNNN »: the next number of the year (inside the write transaction)."""
        prefix = f"DV-{year:04d}-"
        row = self.db.execute(
            "SELECT id FROM devis WHERE id LIKE ? ORDER BY id DESC LIMIT 1", [prefix + "%"]
        ).fetchone()
        last = int(str(row[0])[len(prefix) :]) if row else 0
        return f"{prefix}{last + 1:05d}"

    def add(self, devis: Devis, now: datetime) -> Devis:
        """Store a new devis under the next number of its year; returns it numbered."""
        with self.write():
            numbered = _renumbered(devis, self.next_id(devis.created_at.year))
            self.db.execute(
                f"INSERT INTO devis ({_COLUMNS}, updated_at) VALUES "  # noqa: S608 - constant
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    numbered.id,
                    numbered.patient_id,
                    numbered.patient_name,
                    numbered.practitioner_id,
                    stamp(numbered.created_at),
                    numbered.care_date.isoformat(),
                    numbered.valid_until.isoformat(),
                    numbered.state.value,
                    numbered.request,
                    str(numbered.total_fees),
                    str(numbered.amo),
                    str(numbered.amc),
                    str(numbered.patient_remainder),
                    numbered.amc_number,
                    numbered.amc_contract,
                    numbered.referential_version,
                    numbered.fse_uuid,
                    stamp(now),
                ],
            )
            self.db.conn.executemany(
                "INSERT INTO devis_lines (devis_id, line, code, label, quantity, amount, "
                "reimbursement_base, amo, amc, overrun) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        numbered.id,
                        i,
                        line.code,
                        line.label,
                        line.quantity,
                        str(line.amount),
                        str(line.reimbursement_base),
                        str(line.amo),
                        str(line.amc),
                        str(line.overrun),
                    )
                    for i, line in enumerate(numbered.lines)
                ],
            )
        return numbered

    def devis(self, devis_id: str) -> Devis:
        """One devis with its lines.

        :raises NotFoundError: no devis has this number.
        """
        row = self._one(f"SELECT {_COLUMNS} FROM devis WHERE id = ?", [devis_id])  # noqa: S608
        if row is None:
            raise NotFoundError(f"Devis n° {devis_id}")
        return self._devis(row)

    def devis_of_patient(self, patient_id: str) -> list[Devis]:
        """The patient's devis, the most recent first."""
        rows = self.db.query(
            f"SELECT {_COLUMNS} FROM devis WHERE patient_id = ? "  # noqa: S608 - constant
            "ORDER BY created_at DESC, id DESC",
            [patient_id],
        )
        return [self._devis(row) for row in rows]

    def all_devis(self, limit: int = 200) -> list[Devis]:
        """The latest devis of every patient."""
        rows = self.db.query(
            f"SELECT {_COLUMNS} FROM devis ORDER BY created_at DESC, id DESC LIMIT ?",  # noqa: S608
            [limit],
        )
        return [self._devis(row) for row in rows]

    def mark_billed(self, devis_id: str, fse_uuid: str, now: datetime) -> None:
        """The care was done and billed by ``fse_uuid`` (joins the caller's transaction).

        :raises DevisStateError: the devis is not open any more.
        """
        self._leave_open(devis_id, DevisState.BILLED, fse_uuid, now)

    def abandon(self, devis_id: str, now: datetime) -> None:
        """The patient will not have the care.

        :raises DevisStateError: the devis is not open any more.
        """
        self._leave_open(devis_id, DevisState.ABANDONED, None, now)

    def _leave_open(
        self, devis_id: str, state: DevisState, fse_uuid: str | None, now: datetime
    ) -> None:
        with self.write():
            current = self._one("SELECT state FROM devis WHERE id = ?", [devis_id])
            if current is None:
                raise NotFoundError(f"Devis n° {devis_id}")
            if current["state"] != DevisState.OPEN.value:
                raise DevisStateError(
                    f"Le devis n° {devis_id} n'est plus ouvert ({current['state']}) : "
                    "créez-en un nouveau."
                )
            self.db.execute(
                "UPDATE devis SET state = ?, fse_uuid = ?, updated_at = ? WHERE id = ?",
                [state.value, fse_uuid, stamp(now), devis_id],
            )

    def _devis(self, row: dict[str, Any]) -> Devis:
        lines = self.db.query(
            "SELECT code, label, quantity, amount, reimbursement_base, amo, amc, overrun "
            "FROM devis_lines WHERE devis_id = ? ORDER BY line",
            [row["id"]],
        )
        return Devis(
            id=str(row["id"]),
            patient_id=str(row["patient_id"]),
            patient_name=str(row["patient_name"]),
            practitioner_id=str(row["practitioner_id"]),
            created_at=parse_db_stamp(str(row["created_at"])),
            care_date=date.fromisoformat(str(row["care_date"])),
            valid_until=date.fromisoformat(str(row["valid_until"])),
            state=DevisState(str(row["state"])),
            lines=tuple(
                DevisLine(
                    code=str(r["code"]),
                    label=str(r["label"]),
                    quantity=int(r["quantity"]),
                    amount=Decimal(str(r["amount"])),
                    reimbursement_base=Decimal(str(r["reimbursement_base"])),
                    amo=Decimal(str(r["amo"])),
                    amc=Decimal(str(r["amc"])),
                    overrun=Decimal(str(r["overrun"])),
                )
                for r in lines
            ),
            total_fees=Decimal(str(row["total_fees"])),
            amo=Decimal(str(row["amo"])),
            amc=Decimal(str(row["amc"])),
            patient_remainder=Decimal(str(row["patient_remainder"])),
            referential_version=str(row["referential_version"]),
            request=str(row["request"]),
            amc_number=str(row["amc_number"]),
            amc_contract=str(row["amc_contract"]),
            fse_uuid=None if row["fse_uuid"] is None else str(row["fse_uuid"]),
        )


def _renumbered(devis: Devis, devis_id: str) -> Devis:
    return replace(devis, id=devis_id)
