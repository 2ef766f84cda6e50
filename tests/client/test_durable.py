"""Files replaced whole: the numbering mark and the reception's drafts survive a crash
with their old content or their new one, readable by the user only."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from client.context import DraftBook
from client.desk_records import OneStore
from client.durable import replace_file
from client.store import open_store
from client.store.kept import save_draft


def test_a_replaced_file_is_whole_private_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "numbering.json"
    replace_file(target, b'{"v": 1}')
    replace_file(target, b'{"v": 2}')
    assert target.read_bytes() == b'{"v": 2}'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["numbering.json"]


def test_a_write_cut_by_a_crash_leaves_the_previous_draft(
    tmp_path: Path, store_backend: str
) -> None:
    # Drafts live in the store (m015): a save is one transaction, whole or not at all.
    store = open_store(tmp_path / "sesam.db")
    try:
        book = DraftBook(OneStore(store))
        draft_id = book.save({"acts": [{"code": "G"}]})
        # A crash inside the transaction that overwrites it: rolled back.
        with pytest.raises(KeyboardInterrupt), store.write():
            save_draft(store, draft_id, '{"acts": [{"co', datetime.now(UTC))
            raise KeyboardInterrupt
        assert [d["acts"][0]["code"] for d in book.list()] == ["G"]
        book.save({"acts": [{"code": "VG"}]}, draft_id)  # the next save goes through
        assert [d["acts"][0]["code"] for d in book.list()] == ["VG"]
        if store_backend == "sqlite":  # the file is the store (on PostgreSQL, no file)
            assert stat.S_IMODE((tmp_path / "sesam.db").stat().st_mode) == 0o600
        assert not (tmp_path / "brouillons").exists()
    finally:
        store.close()
