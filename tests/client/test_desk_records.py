"""The desk's drafts and favourites live in the store (m015); the side files of an older
version are imported at the first opening, then renamed ``*.imported`` (never deleted)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from client.desk_records import DraftBook, OneStore, keep_favourites, saved_favourites
from client.store import open_store


def _old_version_files(data: Path) -> None:
    folder = data / "brouillons"
    folder.mkdir(mode=0o700)
    for n, (draft_id, code) in enumerate([("b2", "VG"), ("a1", "G")]):
        path = folder / f"{draft_id}.json"
        path.write_text(json.dumps({"id": draft_id, "acts": [{"code": code}]}), encoding="utf-8")
        os.utime(path, (1_700_000_000 + n, 1_700_000_000 + n))  # b2 saved first
    (folder / "broken.json").write_text('{"acts": [{"co', encoding="utf-8")
    (data / "favourites.json").write_text(json.dumps(["G+MEG", "COD"]), encoding="utf-8")


def test_side_files_are_imported_once_and_set_aside(tmp_path: Path) -> None:
    _old_version_files(tmp_path)
    store = open_store(tmp_path / "sesam.db")
    try:
        book = DraftBook(OneStore(store))
        assert [(d["id"], d["acts"][0]["code"]) for d in book.list()] == [
            ("b2", "VG"),
            ("a1", "G"),
        ]
        assert saved_favourites(OneStore(store)) == ("G+MEG", "COD")
    finally:
        store.close()
    assert not (tmp_path / "brouillons").exists()
    assert not (tmp_path / "favourites.json").exists()
    # Nothing deleted: the unreadable draft too is still there to be looked at.
    kept = sorted(p.name for p in (tmp_path / "brouillons.imported").iterdir())
    assert kept == ["a1.json", "b2.json", "broken.json"]
    assert (tmp_path / "favourites.json.imported").is_file()

    # Reopened: nothing imported twice; what the desk changes since stays.
    store = open_store(tmp_path / "sesam.db")
    try:
        book = DraftBook(OneStore(store))
        book.delete("b2")
        keep_favourites(OneStore(store), ())
    finally:
        store.close()
    store = open_store(tmp_path / "sesam.db")
    try:
        assert [d["id"] for d in DraftBook(OneStore(store)).list()] == ["a1"]
        assert saved_favourites(OneStore(store)) == ()  # emptied by the user: stays empty
    finally:
        store.close()


def test_a_crash_before_the_rename_imports_without_duplicates(tmp_path: Path) -> None:
    _old_version_files(tmp_path)
    store = open_store(tmp_path / "sesam.db")
    store.close()
    # As if the process died after the commit, before renaming: the files are back.
    (tmp_path / "brouillons.imported").rename(tmp_path / "brouillons")
    (tmp_path / "favourites.json").write_text(json.dumps(["VG"]), encoding="utf-8")
    store = open_store(tmp_path / "sesam.db")
    try:
        assert [d["id"] for d in DraftBook(OneStore(store)).list()] == ["b2", "a1"]
        assert saved_favourites(OneStore(store)) == ("G+MEG", "COD")  # the store's win
    finally:
        store.close()
    assert (tmp_path / "brouillons.imported").is_dir()
    assert (tmp_path / "favourites.json.imported.2").is_file()


def test_a_new_store_has_no_favourites_saved_and_no_drafts(tmp_path: Path) -> None:
    store = open_store(tmp_path / "sesam.db")
    try:
        assert saved_favourites(OneStore(store)) is None  # the settings' or the defaults
        assert DraftBook(OneStore(store)).list() == []
    finally:
        store.close()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("sesam.db")) == []
