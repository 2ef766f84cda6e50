"""Issue #27: a store of an older version converted at opening (minutes at 1 M FSE) shows
its progress to the user: the opener's callback receives the figures as the rows are
converted, and ``sesam`` prints them on stderr in French (stdout, the answer, stays clean);
nothing is shown when no migration runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_audit_books import make_books
from test_regrouped_journal import journal_size, to_one_entry_rows

from client.cli import main
from client.migration_progress import MigrationProgress, StderrProgress
from client.store import open_store

_STEP = "regroupement du journal"


@pytest.fixture
def old_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store whose journal is in the layout of before m037 (one row per entry), converted
    a few rows at a time: several batches, as the 1 M store's thousands."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("SESAM_DATA_DIR", str(data_dir))
    made = make_books(data_dir)
    to_one_entry_rows(made)
    monkeypatch.setattr("client.migrations.PACK_BATCH", 3)
    return made


@pytest.mark.sqlite_only  # SQLite stores as an older version wrote them
def test_the_opener_is_told_the_progress_up_to_the_end(old_store: Path) -> None:
    rows, _ = journal_size(old_store)
    seen: list[MigrationProgress] = []
    store = open_store(old_store, progress=seen.append)
    try:
        assert store.audit_verify().ok  # converted whole
    finally:
        store.close()
    assert len(seen) > 3 and {p.step for p in seen} == {_STEP}
    figures = [p.done for p in seen]
    assert figures == sorted(set(figures))  # always forward
    assert seen[-1].done == seen[-1].total == rows and seen[-1].percent == 100
    assert seen[-1].text() == "Mise à jour de la base : regroupement du journal 100 %"

    again: list[MigrationProgress] = []
    open_store(old_store, progress=again.append).close()
    assert again == []  # nothing converts twice: nothing to show


@pytest.mark.sqlite_only
def test_sesam_prints_the_progress_on_stderr_and_keeps_stdout_clean(
    old_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["audit", "verify", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["conforme"] is True  # the answer alone on stdout
    lines = err.splitlines()
    converting = [line for line in lines if line.startswith("Mise à jour de la base")]
    assert len(converting) >= 2 and lines[: len(converting)] == converting  # the opening's
    assert all(line.startswith(f"Mise à jour de la base : {_STEP} ") for line in converting)
    percents = [int(line.rsplit(" ", 2)[1]) for line in converting]
    assert percents == sorted(set(percents)) and percents[-1] == 100
    assert lines[len(converting)] == "Vérification du journal d'audit…"  # then its own steps

    assert main(["audit", "verify", "--json"]) == 0
    assert "Mise à jour" not in capsys.readouterr().err  # migrated already: not a word of it


def test_sesam_says_a_long_step_every_five_percent() -> None:
    lines: list[str] = []

    class Lines:
        def write(self, text: str) -> None:
            lines.extend(t for t in text.splitlines() if t)

        def flush(self) -> None:
            pass

    sink = StderrProgress(stream=Lines())  # type: ignore[arg-type]
    for done in range(1, 1001):
        sink(MigrationProgress("conversion des paiements", done, 1000))
    sink(MigrationProgress(_STEP, 10, 10))  # the next step: said at once
    assert lines[0] == "Mise à jour de la base : conversion des paiements 0 %"
    assert [int(line.rsplit(" ", 2)[1]) for line in lines[1:-1]] == list(range(5, 101, 5))
    assert lines[-1] == "Mise à jour de la base : regroupement du journal 100 %"
