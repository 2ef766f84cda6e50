"""The store's figures on a PostgreSQL database already copied (issue #27: the 1M store's
copy takes minutes, so a run measures it as it is): nothing generated, the size is the
database's, and each page and listing command is set against the same work on the SQLite
store it was copied from, in the same run."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from benchmark_support import run_benchmarks
from fse_cards_support import cards, fse_input

from benchmarks.store_given_pg import COMMANDS, SQLITE_ENV, URL_ENV
from client.fse_service import FseService
from client.store import open_store
from client.store.copying import copy_store


def test_a_copied_database_is_measured_against_its_sqlite_store(
    tmp_path: Path, pg_database: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_database()
    local = tmp_path / "poste"
    local.mkdir(mode=0o700)
    source = open_store(local / "sesam.db", database_url="")
    target = open_store(tmp_path / "cabinet" / "sesam.db", database_url=url)
    try:
        c = cards()
        service = FseService(source)
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        for i in range(3):
            service.create(fse_input(i % 2, yesterday), c.cps, c.vitale)
        copy_store(source, target, url, lambda *_: None)
    finally:
        target.close()
        source.close()
    monkeypatch.setenv(URL_ENV, url)
    monkeypatch.setenv(SQLITE_ENV, str(local))

    done, out = run_benchmarks(
        tmp_path,
        *("--tiny", "--runs", "1", "--backend", "postgresql", "--only", "store_scale"),
        timeout=600,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["not_measured"] == [], results["not_measured"]
    figures = {f["figure"]: f for f in results["figures"]}
    assert all(f["sizes"]["fse"] == 3 for f in figures.values())  # the database's own size
    listed = [n for n in figures if "in process" in n]
    assert len(listed) == len(COMMANDS)
    assert any(n.startswith("sesam recette,") for n in listed)  # every page's command
    for name in listed:
        figure = figures[name]
        assert figure["value"] > 0 and figure["baseline"] > 0, name
        assert "SQLite" in figure["baseline_label"], name
    size_of = figures[next(n for n in figures if n.startswith("bytes per FSE"))]
    assert size_of["extra"]["database_bytes"] > 0
    assert not (tmp_path / "work" / "tiny" / "store").exists()  # nothing generated
