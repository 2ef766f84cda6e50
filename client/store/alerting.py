"""The queries of the alerts (``client.alerts``): lots without ARL, FSE near a deadline,
acknowledged alerts. Each reads only the rows that may raise an alert (an index on the
state, a bound on the date): at a million FSE a walk of every row took half a minute.
Their rows are named tuples: read only, and ``sesam alerts`` defines every one (#27)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple

from billing.fse_states import FseState
from billing.lot_states import LotState
from client.store.connection import Repository
from client.store.mapping import row_of
from client.store.rows import stamp
from client.store.scoping import within


class LotWithoutArl(NamedTuple):
    """A lot tried or sent, with no ARL yet."""

    lot_id: str
    first_attempt_at: str | None
    received_at: str | None
    attempts: int | None
    number: int
    state: str


class UnsentFse(NamedTuple):
    fse_uuid: str
    number: int
    care_date: str


class AcknowledgedFse(NamedTuple):
    fse_uuid: str
    number: int
    received_at: str  # the ARL's reception


class ArlCount(NamedTuple):
    """How many acknowledged FSE an ARL reception stamp covers."""

    received_at: str
    n: int


class RefusalArl(NamedTuple):
    motifs: str  # JSON text
    received_at: str


class CounterRow(NamedTuple):
    """The numbers a practitioner was given, as the database counts them."""

    practitioner_id: str
    last_fse_number: int
    lot_closings: int


class AmcPartLeft(NamedTuple):
    """An FSE whose AMC part is awaited from the AMC (gestion séparée) and which the AMC has
    not paid yet (issue #23)."""

    fse_uuid: str
    number: int
    care_date: str
    amc: str  # TEXT decimal: the AMC part billed
    amc_number: str  # the AMC ('' when NOEMIE 199 did not name it)
    received_at: str  # the AMC's acknowledgement of the DRE, else the caisse's ARL: the
    # AMC's delay counts from it


class AmcPartSent(NamedTuple):
    """The DRE lot that carries an FSE's AMC part (gestion séparée)."""

    amount: str  # TEXT decimal
    amc_number: str
    ack_at: str | None  # the AMC's positive acknowledgement of the lot, None before it


class UnqueuedLot(NamedTuple):
    """A signed lot with no outbox row: it would never be sent."""

    id: str
    number: int
    closed_at: str | None


class AlertQueries(Repository):
    """What the alerts read, and the alerts the user hid."""

    def acked_keys(self) -> set[str]:
        return {str(r["key"]) for r in self.db.query("SELECT key FROM alerts_ack")}

    def acknowledge(self, key: str, now: datetime) -> None:
        """Hide an alert (it comes back only if its key changes)."""
        with self.write():
            self.db.execute(
                "INSERT INTO alerts_ack (key, acked_at) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET acked_at = excluded.acked_at",
                [key, stamp(now)],
            )

    def lots_without_arl(self, practitioners: frozenset[str] | None = None) -> list[LotWithoutArl]:
        """Lots tried or sent without an ARL (of ``practitioners`` when given: who is
        looking, issue #26). Lots with an ARL (acknowledged or refused, nearly all of
        them) are left out through the index on the state."""
        waiting = [s.value for s in LotState if s not in (LotState.ACKNOWLEDGED, LotState.REFUSED)]
        marks = ", ".join("?" * len(waiting))
        seen, ids = within("l.practitioner_id", practitioners)
        sql = (
            "SELECT t.lot_id, t.first_attempt_at, t.received_at, t.attempts, l.number, "  # noqa: S608
            "l.state FROM lots l JOIN transmissions t ON t.lot_id = l.id "
            f"LEFT JOIN arl a ON a.lot_id = t.lot_id WHERE l.state IN ({marks}) "
            f"AND a.lot_id IS NULL{seen}"
        )
        return [row_of(LotWithoutArl, r) for r in self.db.query(sql, [*waiting, *ids])]

    def seen_lots(self, lot_ids: list[str], practitioners: frozenset[str]) -> set[str]:
        """Which of ``lot_ids`` are lots of ``practitioners`` (who is looking)."""
        if not lot_ids:
            return set()
        seen, ids = within("practitioner_id", practitioners)
        marks = ", ".join("?" * len(lot_ids))
        return {
            str(r["id"])
            for r in self.db.query(
                f"SELECT id FROM lots WHERE id IN ({marks}){seen}",  # noqa: S608
                [*lot_ids, *ids],
            )
        }

    def refusal(self, lot_id: str) -> RefusalArl | None:
        """The negative ARL of a lot, None when none was recorded."""
        row = self._one("SELECT motifs, received_at FROM arl WHERE lot_id = ?", [lot_id])
        return row_of(RefusalArl, row) if row else None

    def refusals(self, lot_ids: list[str]) -> dict[str, RefusalArl]:
        """The negative ARL of each of ``lot_ids`` that has one, in one statement (a query
        per refused lot: 195 round trips to the cabinet's server at 1M FSE)."""
        if not lot_ids:
            return {}
        rows = self.db.query(
            "SELECT lot_id, motifs, received_at FROM arl "
            "WHERE lot_id IN (SELECT value FROM json_each(?))",
            [json.dumps(lot_ids)],
        )
        return {str(r["lot_id"]): RefusalArl(str(r["motifs"]), str(r["received_at"])) for r in rows}

    def unsent_fse(
        self, care_until: str, practitioners: frozenset[str] | None = None
    ) -> list[UnsentFse]:
        """FSE not sent yet whose care date is ``care_until`` or before, oldest first."""
        seen, ids = within("practitioner_id", practitioners)
        return [
            row_of(UnsentFse, r)
            for r in self.db.query(
                "SELECT fse_uuid, number, care_date FROM fse WHERE state IN (?, ?) "  # noqa: S608
                f"AND care_date <= ?{seen} ORDER BY care_date, number",
                [FseState.SECURED.value, FseState.IN_LOT.value, care_until, *ids],
            )
        ]

    def acknowledged_vitale(
        self,
        received_before: str,
        *,
        since: str = "",
        until: str | None = None,
        practitioners: frozenset[str] | None = None,
    ) -> list[AcknowledgedFse]:
        """FSE secured with the carte Vitale, acknowledged by an ARL received before
        ``received_before`` (and from ``since`` to ``until``, both included, when given)
        and not paid (only they carry a garantie de paiement), oldest ARL first."""
        seen, ids = within("f.practitioner_id", practitioners)
        return [
            row_of(AcknowledgedFse, r)
            for r in self.db.query(
                "SELECT f.fse_uuid, f.number, a.received_at "  # noqa: S608
                "FROM fse f JOIN arl a ON a.lot_id = f.lot_id "
                "WHERE f.state = ? AND f.mode = 'vitale' AND a.received_at < ? "
                f"AND a.received_at >= ? AND a.received_at <= ?{seen} "
                "ORDER BY a.received_at, f.number",
                [
                    FseState.ACKNOWLEDGED.value,
                    received_before,
                    since,
                    until or received_before,
                    *ids,
                ],
            )
        ]

    def acknowledged_vitale_by_arl(
        self, received_before: str, practitioners: frozenset[str] | None = None
    ) -> list[ArlCount]:
        """:meth:`acknowledged_vitale` counted per ARL reception, oldest first: a few rows
        per lot rather than one per FSE (tens of thousands in a store with weeks of FSE
        waiting for their payment)."""
        seen, ids = within("f.practitioner_id", practitioners)
        # Counted per lot from the partial index ``fse_guarantee`` (m032: only these FSE;
        # its condition must be written as literals for the planner to use it), then
        # per ARL: not a row read per waiting FSE (53–183 ms at 1M FSE). Each lot's ARL
        # is looked up by its key from the few lots counted (a subquery), not joined:
        # PostgreSQL hashed the join over every ARL (100 000 at 1M FSE, 40–110 ms). A
        # lot whose ARL came too late counts under NULL, dropped here: a filter outside
        # would run the lookup twice.
        rows = self.db.query(
            "SELECT c.received_at, sum(c.n) AS n FROM (SELECT f.lot_id, count(*) AS n, "  # noqa: S608
            "(SELECT a.received_at FROM arl a WHERE a.lot_id = f.lot_id "
            "AND a.received_at < ?) AS received_at "
            "FROM fse f WHERE f.state = 'acknowledged' AND f.mode = 'vitale'"
            f"{seen} GROUP BY f.lot_id) c GROUP BY c.received_at ORDER BY c.received_at",
            [received_before, *ids],
        )
        return [row_of(ArlCount, r) for r in rows if r["received_at"] is not None]

    # ------------------------------------------------------------------------------ gaps

    def counters(self, practitioners: frozenset[str] | None = None) -> list[CounterRow]:
        """Every practitioner's counters (those of ``practitioners`` when given)."""
        seen, ids = within("practitioner_id", practitioners)
        return [
            row_of(CounterRow, r)
            for r in self.db.query(
                "SELECT practitioner_id, last_fse_number, lot_closings FROM counters "  # noqa: S608
                f"WHERE 1 = 1{seen}",
                ids,
            )
        ]

    def fse_numbers_held(self, practitioner_id: str, given: int) -> int:
        """How many of the numbers 1..``given`` have an FSE, or are known as unused. The
        FSE are counted by the triggers (``fse_counts``, m021) when none has a number above
        ``given`` (always, but in a store mended by hand): no walk of the history."""
        top = self._one(
            "SELECT (SELECT max(number) FROM fse WHERE practitioner_id = ?) AS top, "
            "(SELECT n FROM fse_counts WHERE practitioner_id = ?) AS n",
            [practitioner_id, practitioner_id],
        )
        if top is not None and (top["top"] is None or int(top["top"]) <= given):
            fse = f"{int(top['n'] or 0)}"
            params: list[str | int] = []
        else:
            fse = "(SELECT count(*) FROM fse WHERE practitioner_id = ? AND number <= ?)"
            params = [practitioner_id, given]
        row = self._one(
            f"SELECT {fse} + (SELECT count(*) FROM fse_numbers_unused "  # noqa: S608
            "WHERE practitioner_id = ? AND number <= ? AND number NOT IN (SELECT number "
            "FROM fse WHERE practitioner_id = ?)) AS n",
            [*params, practitioner_id, given, practitioner_id],
        )
        return int(row["n"]) if row else given

    def fse_numbers_known(self, practitioner_id: str) -> set[int]:
        """The FSE numbers of a practitioner that have an FSE or are known as unused."""
        return {
            int(r["number"])
            for r in self.db.query(
                "SELECT number FROM fse WHERE practitioner_id = ? UNION "
                "SELECT number FROM fse_numbers_unused WHERE practitioner_id = ?",
                [practitioner_id, practitioner_id],
            )
        }

    def signed_lot_count(self, practitioner_id: str) -> int:
        """How many lots of a practitioner were signed (closed), by the database."""
        # Kept by triggers (m032): the count of the index was 100 000 rows at 1M FSE.
        row = self._one(
            "SELECT n FROM lot_signed_counts WHERE practitioner_id = ?", [practitioner_id]
        )
        return int(row["n"]) if row else 0

    def unqueued_lots(self, practitioners: frozenset[str] | None = None) -> list[UnqueuedLot]:
        """Signed lots absent from the outbox (of ``practitioners`` when given)."""
        seen, ids = within("l.practitioner_id", practitioners)
        return [
            row_of(UnqueuedLot, r)
            for r in self.db.query(
                "SELECT l.id, l.number, l.closed_at FROM lots l LEFT JOIN outbox o ON o.id = l.id "  # noqa: S608
                f"WHERE l.kind = 'fse' AND l.state = ? AND o.id IS NULL{seen}",
                [LotState.CLOSED.value, *ids],
            )
        ]

    def amc_parts_left(
        self, received_before: str, practitioners: frozenset[str] | None = None
    ) -> list[AmcPartLeft]:
        """AMC parts awaited from their AMC (gestion séparée) and not paid by it yet
        (``amc_payments``, m018), received before ``received_before``: those sent in a DRE
        lot the AMC acknowledged (received = its acknowledgement), and those the caisse's
        NOEMIE left to the AMC (199 « pas de traitement » or « différé ») that no DRE
        carries (received = the caisse's ARL). Only those lines are read; those of
        ``practitioners`` when given."""
        seen, ids = within("f.practitioner_id", practitioners)
        return [
            row_of(AmcPartLeft, r)
            for r in self.db.query(
                "SELECT f.fse_uuid, f.number, f.care_date, i.amount AS amc, "  # noqa: S608
                "l.amc AS amc_number, l.ack_at AS received_at "
                "FROM amc_dre_items i JOIN amc_dre_lots l ON l.id = i.lot_id "
                "JOIN fse f ON f.fse_uuid = i.fse_uuid "
                "WHERE l.status = 'acknowledged' AND l.ack_at < ? AND f.state NOT IN (?, ?) "
                "AND NOT EXISTS (SELECT 1 FROM amc_payments m WHERE m.fse_uuid = i.fse_uuid)"
                f"{seen} UNION ALL "
                "SELECT f.fse_uuid, f.number, f.care_date, f.amc, p.amc_number, a.received_at "
                "FROM payments p JOIN fse f ON f.fse_uuid = p.fse_uuid "
                "JOIN arl a ON a.lot_id = f.lot_id "
                # ``+f.state``: from the few lines left to the AMC (``payments_amc_left``),
                # not from every paid FSE (290 ms at 100 000 FSE).
                "WHERE p.amc_state IN (' ', 'D') AND +f.state = ? AND f.tiers_payant_amc = 1 "
                "AND a.received_at < ? "
                "AND p.id = (SELECT max(q.id) FROM payments q WHERE q.fse_uuid = p.fse_uuid) "
                "AND NOT EXISTS (SELECT 1 FROM amc_dre_items d WHERE d.fse_uuid = p.fse_uuid) "
                "AND NOT EXISTS (SELECT 1 FROM amc_payments m WHERE m.fse_uuid = p.fse_uuid)"
                f"{seen} ORDER BY 6, 2",
                [
                    received_before,
                    FseState.CANCELLED.value,
                    FseState.RECTIFIED.value,
                    *ids,
                    FseState.PAID.value,
                    received_before,
                    *ids,
                ],
            )
        ]

    def amc_part_sent(self, fse_uuid: str) -> AmcPartSent | None:
        """The DRE that carries an FSE's AMC part to its AMC, None when none does."""
        row = self._one(
            "SELECT i.amount, l.amc AS amc_number, CASE WHEN l.status = 'acknowledged' "
            "THEN l.ack_at END AS ack_at FROM amc_dre_items i "
            "JOIN amc_dre_lots l ON l.id = i.lot_id WHERE i.fse_uuid = ?",
            [fse_uuid],
        )
        return row_of(AmcPartSent, row) if row else None
