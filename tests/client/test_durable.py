"""Files replaced whole: the numbering mark and the reception's drafts survive a crash
with their old content or their new one, readable by the user only."""

from __future__ import annotations

import stat
from pathlib import Path

from client.context import DraftBook
from client.durable import replace_file


def test_a_replaced_file_is_whole_private_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "numbering.json"
    replace_file(target, b'{"v": 1}')
    replace_file(target, b'{"v": 2}')
    assert target.read_bytes() == b'{"v": 2}'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["numbering.json"]


def test_a_write_cut_by_a_crash_leaves_the_previous_draft(tmp_path: Path) -> None:
    book = DraftBook(tmp_path / "brouillons")
    draft_id = book.save({"acts": [{"code": "G"}]})
    # A crash between the temporary file and the rename: a half-written temporary.
    (tmp_path / "brouillons" / f"{draft_id}.json.tmp").write_text('{"acts": [{"co')
    assert [d["acts"][0]["code"] for d in book.list()] == ["G"]
    book.save({"acts": [{"code": "VG"}]}, draft_id)  # the next save goes through
    assert [d["acts"][0]["code"] for d in book.list()] == ["VG"]
    assert stat.S_IMODE((tmp_path / "brouillons" / f"{draft_id}.json").stat().st_mode) == 0o600
