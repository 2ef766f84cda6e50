"""The journal entries of a lot's FSE built at once are, to the byte, those the general path
builds one by one: the chain and ``sesam audit verify`` cannot tell them apart."""

from __future__ import annotations

import uuid

import pytest

from billing.audit import AuditEntry, ChainHead, build_entry, event_payload, verify_chain
from billing.audit_batch import EventLine, build_event_entries


def _one_by_one(
    previous: ChainHead | None,
    at: str,
    kind: str,
    to_state: str,
    detail: str | None,
    lines: list[EventLine],
) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    link: AuditEntry | ChainHead | None = previous
    for line in lines:
        link = build_entry(
            link,
            at=at,
            kind=kind,
            fse_id=line.fse_id,
            lot_id=line.lot_id,
            payload=event_payload(
                event_id=line.event_id,
                fse_number=line.fse_number,
                practitioner_id=line.practitioner_id,
                kind=kind,
                from_state=line.from_state,
                to_state=to_state,
                detail=detail,
                fse_digest=line.fse_digest,
            ),
        )
        entries.append(link)
    return entries


def _lines(
    count: int, practitioner: str = "100000017", from_state: str | None = "sent"
) -> list[EventLine]:
    lot_id = str(uuid.uuid4())
    return [
        EventLine(
            event_id=9_000 + i,
            fse_id=str(uuid.uuid4()),
            lot_id=lot_id,
            fse_number=i + 1,
            practitioner_id=practitioner,
            from_state=from_state,
            fse_digest=f"{i:064x}",
        )
        for i in range(count)
    ]


@pytest.mark.parametrize(
    ("previous", "kind", "to_state", "detail", "practitioner", "from_state"),
    [
        # A lot acknowledged after 120 entries of the journal.
        (ChainHead(120, "ab" * 32), "arl_positive", "acknowledged", "ARL positif A1", "1", "sent"),
        # The journal's first entries; an event without a detail.
        (None, "sent", "sent", None, "100000017", "in_lot"),
        # A refusal's detail in French (only its digest is journaled); no state before.
        (ChainHead(7, "cd" * 32), "arl_negative", "refused", "ARL négatif : « 31 »", "2", None),
        (ChainHead(7, "cd" * 32), "lot_closed", "in_lot", "", "2", "secured"),
        # The FSE digest is journaled with a securing only.
        (ChainHead(3, "ef" * 32), "secured", "secured", "x", "2", None),
        # Texts JSON escapes: the general path, same entries.
        (ChainHead(3, "ef" * 32), "sent", "sent", "x", 'pr"ati\\cien é', "in_lot"),
        (ChainHead(3, "illisible:b'\\x00'"), "sent", "sent", "x", "2", "in_lot"),
    ],
)
def test_a_lots_entries_at_once_are_those_built_one_by_one(
    previous: ChainHead | None,
    kind: str,
    to_state: str,
    detail: str | None,
    practitioner: str,
    from_state: str | None,
) -> None:
    lines = _lines(50, practitioner, from_state)
    at = "2026-12-06 10:15:00.123456"
    fast = build_event_entries(
        previous, at=at, kind=kind, to_state=to_state, detail=detail, lines=lines
    )
    assert fast == _one_by_one(previous, at, kind, to_state, detail, lines)


def test_a_chain_of_batches_verifies() -> None:
    entries: list[AuditEntry] = []
    for step, (kind, to_state) in enumerate(
        [("sent", "sent"), ("arl_positive", "acknowledged"), ("arl_negative", "refused")]
    ):
        head = ChainHead(entries[-1].seq, entries[-1].hash) if entries else None
        entries += build_event_entries(
            head,
            at=f"2026-12-06 10:1{step}:00",
            kind=kind,
            to_state=to_state,
            detail=f"lot n° {step}",
            lines=_lines(50),
        )
    report = verify_chain(entries)
    assert report.ok and report.count == 150


def test_an_empty_lot_has_no_entries() -> None:
    assert (
        build_event_entries(None, at="t", kind="sent", to_state="sent", detail=None, lines=[]) == []
    )


def test_plain_lines_take_the_template_not_the_general_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first batch of a payload shape checks its first entry by the general path; the
    next batches of that shape take the template alone, and give the same entries."""
    import billing.audit_batch as batch

    calls: list[str] = []

    def counted(*args: object, **kwargs: object) -> AuditEntry:
        calls.append("general")
        return build_entry(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "build_entry", counted)
    monkeypatch.setattr(batch, "_CHECKED", set())
    at, kind, to_state, detail = "2026-12-06 10:15:00", "arl_positive", "acknowledged", "ARL"
    entries = build_event_entries(
        ChainHead(1, "ab" * 32),
        at=at,
        kind=kind,
        to_state=to_state,
        detail=detail,
        lines=_lines(50),
    )
    assert len(entries) == 50 and calls == ["general"]
    lines = _lines(50)
    again = build_event_entries(
        entries[-1], at=at, kind=kind, to_state=to_state, detail=detail, lines=lines
    )
    assert calls == ["general"]
    monkeypatch.setattr(batch, "build_entry", build_entry)
    assert again == _one_by_one(
        ChainHead(entries[-1].seq, entries[-1].hash), at, kind, to_state, detail, lines
    )
