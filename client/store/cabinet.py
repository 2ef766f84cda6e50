"""A cabinet's posts on one database (issue #26, migration m023): the FSE numbers handed
out and not yet stored, the gaps of the numbering with their reason, who works for which
practitioner (the scope of what a card sees) and the drafts addressed to a practitioner.

The scope is enforced here, in the queries: a ``Viewer`` names the practitioners whose FSE
a card may see (a practitioner his own; a receptionist's CPE or a remplaçant's CPS those
of the practitioners they work for); patients stay shared.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from billing.fse_states import FseState
from client.store.connection import Repository
from client.store.errors import StoreError
from client.store.mapping import row_of
from client.store.rows import FseRow, StatusCount, _fse_row
from client.store.stamps import parse_db_stamp, stamp

if TYPE_CHECKING:
    from billing.fse import PractitionerSituation


class MemberRole(StrEnum):
    """How a card holder works for a practitioner of the cabinet."""

    TITULAIRE = "titulaire"  # the practitioner himself
    RECEPTIONIST = "secretaire"  # a CPE: prepares invoices, sees the accounts
    REMPLACANT = "remplacant"  # a CPS: bills under the replaced practitioner's number


class Viewer(NamedTuple):
    """Who is looking: the card holder and the practitioners whose accounts he may see."""

    card_id: str
    practitioner_ids: frozenset[str]

    def sees(self, practitioner_id: str) -> bool:
        return practitioner_id in self.practitioner_ids


class NumberGap(NamedTuple):
    """An FSE number handed out under which no FSE is stored, and why."""

    practitioner_id: str
    number: int
    reason: str  # French, for the user
    at: datetime | None


class AddressedDraft(NamedTuple):
    """An invoice prepared for a practitioner to sign (health data: never log it)."""

    id: str
    document: str  # JSON object, the desk's draft
    saved_at: datetime
    addressed_to: str  # practitioner id
    prepared_by: str  # card id of whoever prepared it


class DraftAlreadyBilledError(StoreError):
    """The prepared invoice was billed meanwhile (on another post): nothing stored here."""

    def __init__(self) -> None:
        super().__init__(
            "Cette facture préparée vient d'être facturée sur un autre poste (ou abandonnée) : "
            "rien n'a été enregistré ici, pas de double facturation. Consultez la liste des FSE."
        )


def this_post() -> str:
    """The name this workstation's process gives itself in the reservations."""
    import socket  # not for a listing (issue #27)

    return f"{socket.gethostname()}:{os.getpid()}"


class Cabinet(Repository):
    """Reservations and gaps of FSE numbers, members, scoped lists, addressed drafts."""

    #: Whom this connection reads as now (:meth:`look_as`): None, the whole store.
    looking_as: Viewer | None = None

    # --- numbers ------------------------------------------------------------------------
    def reserve_fse_number(
        self, practitioner: PractitionerSituation, number: int, now: datetime
    ) -> None:
        """Record, in the transaction that hands ``number`` out, that this post holds it,
        and that the card holder bills for that practitioner (himself, or the one he
        replaces): the scope of what his card sees."""
        self._require_transaction()
        practitioner_id = practitioner.practitioner_id
        self.db.execute(
            "INSERT INTO fse_number_reservations (practitioner_id, number, post, at) "
            "VALUES (?, ?, ?, ?)",
            [practitioner_id, number, this_post(), stamp(now)],
        )
        role = MemberRole.REMPLACANT if practitioner.replacement else MemberRole.TITULAIRE
        self.db.execute(
            "INSERT INTO cabinet_members (member_id, practitioner_id, role, since) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (member_id, practitioner_id) DO NOTHING",
            [practitioner.national_id, practitioner_id, role.value, stamp(now)],
        )

    def release_fse_number(self, practitioner_id: str, number: int) -> None:
        """The FSE is stored under ``number`` (in the same transaction): no longer held."""
        self._require_transaction()
        self.db.execute(
            "DELETE FROM fse_number_reservations WHERE practitioner_id = ? AND number = ?",
            [practitioner_id, number],
        )

    def abandon_fse_number(
        self, practitioner_id: str, number: int, now: datetime, reason: str
    ) -> None:
        """No FSE will be stored under ``number`` (its securing failed): recorded unused
        with ``reason``, no longer held by this post (one transaction)."""
        with self.write():
            self.db.execute(
                "INSERT OR IGNORE INTO fse_numbers_unused (practitioner_id, number, at, reason) "
                "VALUES (?, ?, ?, ?)",
                [practitioner_id, number, stamp(now), reason[:200]],
            )
            self.release_fse_number(practitioner_id, number)

    def numbered_practitioners(self) -> list[str]:
        """The practitioners who were handed FSE numbers here."""
        rows = self.db.query("SELECT practitioner_id FROM counters ORDER BY practitioner_id")
        return [str(r["practitioner_id"]) for r in rows]

    def gaps(self, practitioner_id: str) -> list[NumberGap]:
        """Every FSE number handed out to ``practitioner_id`` with no FSE stored under it,
        with its reason: recorded unused (the securing failed), held by a post (being
        secured, or the post stopped meanwhile) or unknown."""
        with self.conn.read():
            counter = self._one(
                "SELECT last_fse_number FROM counters WHERE practitioner_id = ?",
                [practitioner_id],
            )
            last = int(counter["last_fse_number"]) if counter else 0
            # Every number 1..last has its FSE (the usual case): told by the count the
            # triggers keep (m021) and the highest number, not by reading a million numbers.
            full = self._one(
                "SELECT (SELECT n FROM fse_counts WHERE practitioner_id = ?) AS n, "
                "(SELECT max(number) FROM fse WHERE practitioner_id = ?) AS top",
                [practitioner_id, practitioner_id],
            )
            if full is not None and full["n"] == last and full["top"] == last:
                return []
            stored = {
                int(r["number"])
                for r in self.db.query(
                    "SELECT number FROM fse WHERE practitioner_id = ?", [practitioner_id]
                )
            }
            unused = {
                int(r["number"]): (str(r["reason"]), str(r["at"]))
                for r in self.db.query(
                    "SELECT number, reason, at FROM fse_numbers_unused WHERE practitioner_id = ?",
                    [practitioner_id],
                )
            }
            held = {
                int(r["number"]): (str(r["post"]), str(r["at"]))
                for r in self.db.query(
                    "SELECT number, post, at FROM fse_number_reservations "
                    "WHERE practitioner_id = ?",
                    [practitioner_id],
                )
            }
        result = []
        for number in range(1, last + 1):
            if number in stored:
                continue
            if number in unused:
                why, at = unused[number]
                reason = f"abandonné ({why})"
            elif number in held:
                post, at = held[number]
                reason = f"donné au poste {post}, FSE jamais enregistrée (poste arrêté ?)"
            else:
                result.append(NumberGap(practitioner_id, number, "raison inconnue", None))
                continue
            result.append(NumberGap(practitioner_id, number, reason, parse_db_stamp(at)))
        return result

    # --- members and scope ----------------------------------------------------------------
    def add_member(
        self, member_id: str, practitioner_id: str, role: MemberRole, now: datetime
    ) -> None:
        """``member_id`` (a card's national id) works for ``practitioner_id``."""
        with self.write():
            self.db.execute(
                "INSERT INTO cabinet_members (member_id, practitioner_id, role, since) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (member_id, practitioner_id) "
                "DO UPDATE SET role = excluded.role",
                [member_id, practitioner_id, role.value, stamp(now)],
            )

    def remove_member(self, member_id: str, practitioner_id: str) -> None:
        with self.write():
            self.db.execute(
                "DELETE FROM cabinet_members WHERE member_id = ? AND practitioner_id = ?",
                [member_id, practitioner_id],
            )

    def member_practitioners(self) -> frozenset[str]:
        """The practitioners some card works for here (one: a practitioner alone, with
        his remplaçant maybe — nothing to hide from anybody)."""
        rows = self.db.query("SELECT DISTINCT practitioner_id FROM cabinet_members")
        return frozenset(str(r["practitioner_id"]) for r in rows)

    def viewer(self, card_id: str) -> Viewer:
        """What the holder of ``card_id`` (a CPS's or a CPE's national id) sees: the
        accounts of the practitioners he bills for or works for (``practitioners`` keeps
        only the last card that billed under a number: a remplaçant's, maybe)."""
        ids = {
            str(r["practitioner_id"])
            for r in self.db.query(
                "SELECT practitioner_id FROM cabinet_members WHERE member_id = ?", [card_id]
            )
        }
        return Viewer(card_id, frozenset(ids))

    def look_as(self, viewer: Viewer | None) -> None:
        """On PostgreSQL, this connection sees from now on only the FSE, lots and payments
        of ``viewer``'s practitioners, whatever the query (row-level security, m023); None:
        everything again (the sender, the returns' import, the audit need the whole
        cabinet). SQLite has no such thing: there the scoped queries below are the rule."""
        self.looking_as = viewer
        if not self.conn.on_postgres:
            return
        # A card that works for nobody sees nothing (« - »), never « no scope » ("").
        value = "" if viewer is None else ",".join(sorted(viewer.practitioner_ids)) or "-"
        self.db.execute("SELECT set_config('sesam.practitioners', ?, false)", [value])

    def fse_list(
        self, viewer: Viewer, state: FseState | None = None, *, limit: int = 200, offset: int = 0
    ) -> list[FseRow]:
        """The FSE ``viewer`` may see, newest first (never another practitioner's)."""
        ids = sorted(viewer.practitioner_ids)
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        values: list[str | int] = list(ids)
        clause = f"practitioner_id IN ({marks})"
        if state is not None:
            clause += " AND state = ?"
            values.append(state.value)
        rows = self.db.query(
            f"SELECT * FROM fse WHERE {clause} "  # noqa: S608 - marks only
            "ORDER BY created_at DESC, practitioner_id, number DESC LIMIT ? OFFSET ?",
            [*values, limit, offset],
        )
        return [_fse_row(r) for r in rows]

    def fse_count(self, viewer: Viewer) -> int:
        ids = sorted(viewer.practitioner_ids)
        if not ids:
            return 0
        marks = ", ".join("?" * len(ids))
        row = self._one(
            f"SELECT count(*) AS n FROM fse WHERE practitioner_id IN ({marks})",  # noqa: S608
            ids,
        )
        return int(row["n"]) if row else 0

    def status_counts(self, practitioners: frozenset[str]) -> list[StatusCount]:
        """:meth:`Returns.status_counts` of ``practitioners``' FSE only (who is looking):
        counted from their rows, the counts the triggers keep are the whole store's."""
        ids = sorted(practitioners)
        marks = ", ".join("?" * len(ids)) or "NULL"  # nobody: no row
        return [
            row_of(StatusCount, r)
            for r in self.db.query(
                "SELECT f.state, coalesce((SELECT p.outcome FROM payments p "  # noqa: S608
                "WHERE p.fse_uuid = f.fse_uuid ORDER BY p.id DESC LIMIT 1), '') AS outcome, "
                f"count(*) AS n FROM fse f WHERE f.practitioner_id IN ({marks}) "
                "GROUP BY 1, 2",
                ids,
            )
        ]

    # --- drafts addressed to a practitioner ------------------------------------------------
    def address_draft(
        self,
        draft_id: str,
        document: str,
        *,
        addressed_to: str,
        prepared_by: str,
        now: datetime,
    ) -> None:
        """Save a draft for ``addressed_to`` to sign, on whichever post he uses."""
        with self.write():
            self.db.execute(
                "INSERT INTO drafts (id, document, saved_at, seq, addressed_to, prepared_by) "
                "VALUES (?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM drafts), ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET document = excluded.document, "
                "saved_at = excluded.saved_at, seq = excluded.seq, "
                "addressed_to = excluded.addressed_to, prepared_by = excluded.prepared_by",
                [draft_id, document, stamp(now), addressed_to, prepared_by],
            )

    def drafts_for(self, viewer: Viewer) -> list[AddressedDraft]:
        """The drafts addressed to a practitioner ``viewer`` works for, oldest first."""
        ids = sorted(viewer.practitioner_ids)
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = self.db.query(
            "SELECT id, document, saved_at, addressed_to, prepared_by FROM drafts "  # noqa: S608
            f"WHERE addressed_to IN ({marks}) ORDER BY seq",
            ids,
        )
        return [_draft(r) for r in rows]

    def desk_drafts(self, viewer: Viewer | None) -> list[AddressedDraft]:
        """The desk's « Factures préparées », oldest first: every draft (``viewer`` None:
        a practitioner alone, or no card in); else those addressed to nobody (parked on
        a card change), to a practitioner ``viewer`` works for, or prepared by his card."""
        sql = "SELECT id, document, saved_at, addressed_to, prepared_by FROM drafts"
        values: list[str] = []
        if viewer is not None:
            ids = sorted(viewer.practitioner_ids)
            marks = ", ".join("?" * len(ids)) or "NULL"
            sql += f" WHERE addressed_to = '' OR addressed_to IN ({marks}) OR prepared_by = ?"
            values = [*ids, viewer.card_id]
        return [_draft(r) for r in self.db.query(f"{sql} ORDER BY seq", values)]

    def draft_waiting(self, draft_id: str) -> bool:
        """Whether ``draft_id`` still waits (not billed, not abandoned)."""
        return self._one("SELECT 1 AS x FROM drafts WHERE id = ?", [draft_id]) is not None

    def take_draft(self, draft_id: str) -> None:
        """The FSE of ``draft_id`` is being stored (in its transaction): the draft is gone
        for every post. Another post took it first: :class:`DraftAlreadyBilledError`, and
        the FSE's transaction rolls back (never billed twice)."""
        self._require_transaction()
        cursor = self.db.execute("DELETE FROM drafts WHERE id = ?", [draft_id])
        if cursor.rowcount != 1:
            raise DraftAlreadyBilledError()


def _draft(r: Mapping[str, Any]) -> AddressedDraft:
    return AddressedDraft(
        id=str(r["id"]),
        document=str(r["document"]),
        saved_at=parse_db_stamp(str(r["saved_at"])),
        addressed_to=str(r["addressed_to"]),
        prepared_by=str(r["prepared_by"]),
    )
