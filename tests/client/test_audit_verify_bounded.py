"""`sesam audit verify` on a store whose journal chains, made by the benchmarks' generator
(`benchmarks.audit_store`: a block of FSE billed by the product over the simulated card
and Assurance Maladie, cloned with its documents, digests and journal recomputed): it
verifies whole, a removed lot or payment is named as before, and what the verification
holds in memory no longer grows with the store (issue #27: ~850 B per FSE, 0.85 GB at
1 M FSE, before the per-FSE checks were streamed)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tracemalloc
from pathlib import Path

import pytest

from benchmarks.audit_store import build_verifying_store
from benchmarks.common import RunContext
from billing.audit import Breach
from client.store import open_store

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("SESAM_TEST_POSTGRES", "").strip()),
    reason="des magasins SQLite générés, copiés par fichier",
)

SMALL, LARGE = 500, 3000


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, testbed_dir: Path) -> dict[int, Path]:
    """Two generated stores whose journals verify, SMALL and LARGE FSE."""
    workdir = tmp_path_factory.mktemp("audit-store")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SESAM_DATABASE_URL", raising=False)
        ctx = RunContext(quick=True, tiny=False, workdir=workdir)
        return {n: build_verifying_store(ctx, n)[0] / "sesam.db" for n in (SMALL, LARGE)}


def _copy(source: Path, tmp_path: Path) -> Path:
    copy = tmp_path / f"copy-{source.parent.name}" / "sesam.db"
    copy.parent.mkdir(mode=0o700)
    shutil.copyfile(source, copy)
    return copy


def _edit(db: Path, *statements: str) -> None:
    """What a user with sqlite3 can do to the books."""
    with sqlite3.connect(db) as conn:
        for sql in statements:
            conn.execute(sql)


def _peak(db: Path) -> tuple[int, bool, int]:
    """Python's peak memory during one ``audit_verify`` (bytes), its answer, its count."""
    store = open_store(db)
    try:
        store.audit_verify()  # the imports and the caches of a first verification
        tracemalloc.start()
        try:
            report = store.audit_verify()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return peak, report.ok, report.count
    finally:
        store.close()


def test_a_generated_store_verifies_with_every_fse_checked(
    generated: dict[int, Path], tmp_path: Path
) -> None:
    db = _copy(generated[LARGE], tmp_path)
    store = open_store(db)
    try:
        report = store.audit_verify()
        fse = store.db.execute("SELECT COUNT(*) FROM fse").fetchone()[0]
        entries = len(store.audit_entries())
    finally:
        store.close()
    assert report.ok, report.message()
    assert fse == LARGE and report.count == entries
    # Then one FSE's document edited: named as the product's own store names it.
    _edit(
        db,
        "UPDATE fse SET patient_id = 'ailleurs' WHERE id = (SELECT MAX(id) FROM fse)",
    )
    store = open_store(db)
    try:
        edited = store.audit_verify()
    finally:
        store.close()
    assert edited.breach is Breach.BOOKS
    assert "patient « ailleurs » dans le registre" in edited.detail


def test_a_removed_lot_and_payment_are_named_as_missing(
    generated: dict[int, Path], tmp_path: Path
) -> None:
    db = _copy(generated[SMALL], tmp_path)
    with sqlite3.connect(db) as conn:
        lot_id, lot_number = conn.execute(
            "SELECT id, number FROM lots ORDER BY number DESC LIMIT 1"
        ).fetchone()
        payment, fse_number = conn.execute(
            "SELECT p.id, f.number FROM payments p JOIN fse f ON f.fse_uuid = p.fse_uuid "
            "ORDER BY p.id DESC LIMIT 1"
        ).fetchone()
        conn.execute("DELETE FROM lots WHERE id = ?", [lot_id])  # foreign keys: off by default
        conn.execute("DELETE FROM payments WHERE id = ?", [payment])
    store = open_store(db)
    try:
        report = store.audit_verify()
    finally:
        store.close()
    assert report.breach is Breach.BOOKS
    assert f"lot n° {lot_number} : disparu du registre (présent dans le journal)" in report.detail
    assert f"file d'envoi : entrée {lot_id[:8]}… sans lot correspondant" in report.detail
    assert (
        f"paiement n° {payment} (FSE n° {fse_number}) : supprimé du registre (présent dans le "
        "journal)" in report.detail
    )


def test_what_the_verification_holds_does_not_grow_with_the_store(
    generated: dict[int, Path], tmp_path: Path
) -> None:
    small, small_ok, small_count = _peak(_copy(generated[SMALL], tmp_path))
    large, large_ok, large_count = _peak(_copy(generated[LARGE], tmp_path))
    assert small_ok and large_ok and large_count > 5 * small_count
    grown = (large - small) / (LARGE - SMALL)
    # Held per FSE before: ~1 000 B (events, FSE facts, payments' texts, acts, numbers);
    # left: the lots' journaled facts (one lot per 10 FSE here, ~45 B per FSE).
    assert grown < 100, f"{grown:.0f} B of Python memory per FSE more: the store is being held"
