"""The daily backup says what runs from its start: the live database's check (a whole read
of the file, ~15 s at 1 M FSE) is reported before it runs, then the copy's pages; the
check runs once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from client.backup import CHECKING, backup_if_due, backups
from client.store import Store


@pytest.mark.sqlite_only  # SQLite backups of the file (the server: pg_dump)
def test_the_check_is_reported_before_the_copy(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[tuple[int, int]] = []
    checks: list[int] = []
    real_check = store.maintenance.quick_check

    def check() -> object:
        checks.append(len(heard))  # how much the caller had heard when the check began
        return real_check()

    monkeypatch.setattr(store.maintenance, "quick_check", check)
    made = backup_if_due(
        store, clock=lambda: datetime.now(UTC), progress=lambda c, t: heard.append((c, t))
    )

    assert made is not None and backups(made.parent) == [made]
    assert heard[0] == (0, CHECKING)  # « vérification de la base… » before any page
    assert checks == [1]  # one check of the whole file, after it was announced
    copied, total = heard[-1]
    assert total > 0 and copied == total  # then the copy, to its end
