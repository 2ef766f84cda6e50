"""Rows as the store hands them out, and the conversions from SQLite rows (generated from
the fields, ``client.store.mapping``, where columns and fields agree; written out where they
differ: the packed FSE document; audit entries in ``journal``).

The rows are named tuples, read only like the frozen dataclasses they were: every command
defines them, and a frozen dataclass costs ~0.6 ms to define against ~0.15 ms (its methods
compiled at import; issue #27, finding 59). A changed copy is ``row._replace(...)``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState
from client.store.mapping import row_of
from client.store.stamps import parse_db_stamp, stamp  # noqa: F401 - re-exported, lived here

if TYPE_CHECKING:
    from billing.fse import Fse


class EventSubject(Protocol):
    """What an FSE's event and its journal entry name of it: an ``FseRow`` is one, and so
    is the lighter row a lot transition reads (``client.store.lots.LotMember``)."""

    @property
    def id(self) -> int: ...
    @property
    def fse_uuid(self) -> str: ...
    @property
    def practitioner_id(self) -> str: ...
    @property
    def number(self) -> int: ...
    @property
    def state(self) -> FseState: ...
    @property
    def digest(self) -> str: ...
    @property
    def lot_id(self) -> str | None: ...


class OutboxStatus(IntEnum):
    """Status of an outbox row (one row per lot, id = lot id)."""

    PENDING = 0  # due for sending at next_attempt_at
    IN_FLIGHT = 1  # claimed by a sender
    DONE = 2  # the concentrator took it
    FAILED = 3  # permanent failure, needs the user
    HELD = 4  # the lot is still open: not to be sent yet


class FseRow(NamedTuple):
    """One stored FSE with its current state and lot."""

    id: int
    fse_uuid: str
    practitioner_id: str
    number: int
    patient_id: str
    care_date: date
    created_at: datetime
    mode: str
    degrade_reason: str
    state: FseState
    regime: str
    caisse: str
    centre: str
    total_fees: Decimal
    amo: Decimal
    participation_forfaitaire: Decimal
    amc: Decimal
    patient_remainder: Decimal
    tiers_payant_amo: bool
    tiers_payant_amc: bool
    canonical: str
    digest: str
    vitale_serial: str
    vitale_certification: str
    lot_id: str | None

    def fse(self) -> Fse:
        """The FSE document read back (digest checked)."""
        from billing.canonical import parse_canonical
        from billing.fse import fse_from_document  # its signing code only when a row is read

        return fse_from_document(parse_canonical(self.canonical.encode("utf-8")))


class StatusCount(NamedTuple):
    """``n`` FSE in ``state`` whose latest payment line says ``outcome`` ('' when none),
    from the counts the triggers keep (``fse_status_counts``)."""

    state: str
    outcome: str
    n: int


class LotRow(NamedTuple):
    """One lot (open, closed and signed, sent, ...)."""

    id: str
    practitioner_id: str
    number: int
    kind: str
    regime: str
    caisse: str
    centre: str
    mode: str
    state: LotState
    fse_count: int
    oldest_fse_at: datetime | None
    created_at: datetime
    closed_at: datetime | None
    content_sha256: str | None
    signed: bool

    @property
    def organism(self) -> str:
        return f"{self.regime}-{self.caisse}-{self.centre}"


class OutboxRow(NamedTuple):
    """One outbox row: what the sender drains."""

    id: str
    kind: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime | None
    claimed_at: datetime | None
    claimed_by: str | None
    last_error: str | None
    after_id: str | None
    created_at: datetime
    updated_at: datetime


class EventRow(NamedTuple):
    """One recorded transition of an FSE."""

    at: datetime
    kind: FseEventKind
    from_state: FseState | None
    to_state: FseState
    detail: str | None


class HistoryAct(NamedTuple):
    """One act billed for a patient (for the billing rules' history queries)."""

    fse_number: int
    practitioner_id: str
    act_date: date
    code: str
    quantity: int
    coefficient: Decimal
    overrun_kind: str
    fee: Decimal


#: The securing mode of FSE ``f`` as every list shows it: an ApCV FSE is stored in the
#: secured lots' mode (``vitale``) and names its session (m019), read « apcv ».
FSE_MODE_SQL = "CASE WHEN f.apcv_session <> '' THEN 'apcv' ELSE f.mode END"


def fse_mode(stored_mode: str, apcv_session: str | None) -> str:
    """:data:`FSE_MODE_SQL` for a row read whole."""
    return "apcv" if apcv_session else stored_mode


def _document_text(stored: str | bytes) -> str:
    """The FSE document of a stored value; '' when it is damaged (its parse then fails where
    it is read, and ``sesam audit verify`` names the FSE), rather than a list that breaks."""
    from client.store.packing import PackedValueError, unpack_document  # not for a listing

    try:
        return unpack_document(stored)
    except PackedValueError:
        return ""


def _fse_row(r: dict[str, Any]) -> FseRow:
    return FseRow(
        id=r["id"],
        fse_uuid=r["fse_uuid"],
        practitioner_id=r["practitioner_id"],
        number=r["number"],
        patient_id=r["patient_id"],
        care_date=date.fromisoformat(r["care_date"]),
        created_at=parse_db_stamp(r["created_at"]),
        mode=fse_mode(r["mode"], r.get("apcv_session")),
        degrade_reason=r["degrade_reason"],
        state=FseState(r["state"]),
        regime=r["regime"],
        caisse=r["caisse"],
        centre=r["centre"],
        total_fees=Decimal(r["total_fees"]),
        amo=Decimal(r["amo"]),
        participation_forfaitaire=Decimal(r["participation_forfaitaire"]),
        amc=Decimal(r["amc"]),
        patient_remainder=Decimal(r["patient_remainder"]),
        tiers_payant_amo=bool(r["tiers_payant_amo"]),
        tiers_payant_amc=bool(r["tiers_payant_amc"]),
        canonical=_document_text(r["canonical"]),
        digest=r["digest"],
        vitale_serial=r["vitale_serial"],
        vitale_certification=r["vitale_certification"],
        lot_id=r["lot_id"],
    )


def _lot_row(r: dict[str, Any]) -> LotRow:
    return row_of(LotRow, r)  # ``signed``: a column computed by _LOT_COLUMNS


def _outbox_row(r: dict[str, Any]) -> OutboxRow:
    return row_of(OutboxRow, r)


_LOT_COLUMNS = (
    "id, practitioner_id, number, kind, regime, caisse, centre, mode, state, fse_count, "
    "oldest_fse_at, created_at, closed_at, content_sha256, signed_der IS NOT NULL AS signed"
)


def _where(**filters: str | None) -> tuple[str, list[str]]:
    """A ``WHERE`` clause of equalities on the filters given (None = no filter); the
    column names come from the callers' keywords, the values are parameters."""
    given = {column: value for column, value in filters.items() if value is not None}
    clause = " AND ".join(f"{column} = ?" for column in given)
    return (f" WHERE {clause}" if clause else ""), list(given.values())
