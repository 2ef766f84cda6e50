"""Who is looking, as SQL (issue #26): the condition that keeps the rows of the
practitioners a card may see. Every scoped query of the store takes ``practitioners``:
None for the whole store (a practitioner alone, the sender, the audit), else the ids of
the practitioners whose rows the card sees — an empty set sees nothing."""

from __future__ import annotations

#: What a scoped query is given: None (everything) or the practitioners seen.
Scope = frozenset[str] | None


def within(column: str, practitioners: Scope) -> tuple[str, list[str]]:
    """`` AND <column> IN (?, …)`` and its values, for a query that has a ``WHERE``
    already; ``("", [])`` for the whole store. Nobody: ``IN (NULL)``, which keeps no row."""
    if practitioners is None:
        return "", []
    ids = sorted(practitioners)
    marks = ", ".join("?" * len(ids)) or "NULL"
    return f" AND {column} IN ({marks})", ids


def unmatched_within(practitioners: Scope) -> tuple[str, list[str]]:
    """:func:`within` for ``unmatched_payments``: a payment that matched no FSE is seen by
    the practitioners of its lot, or of the NOEMIE file that brought it (the file is
    addressed to one practitioner: its receiver is his number and key)."""
    if practitioners is None:
        return "", []
    ids = sorted(practitioners)
    marks = ", ".join("?" * len(ids)) or "NULL"
    clause = (
        f" AND (lot_id IN (SELECT id FROM lots WHERE practitioner_id IN ({marks})) "  # noqa: S608
        "OR noemie_sha256 IN (SELECT sha256 FROM noemie_files "
        f"WHERE receiver IN ({marks})))"
    )
    return clause, ids + ids
