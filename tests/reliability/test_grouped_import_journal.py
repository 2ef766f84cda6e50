"""Issue #27: the journal entries a NOEMIE import writes (each payment line, each FSE paid or
rejected, the unmatched line, the file) are kept in one row of the journal, a fraction of
the bytes of one row each; `sesam audit verify` passes, and a payment edited inside that
row is caught at its own entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_attacker import attacker
from test_audit_books import make_books, verify_cli

from client.store import open_store
from client.store.journal import stored_entry
from client.store.packing import pack_records, unpack_records


def test_a_noemie_import_is_one_row_of_the_journal(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_books(data_dir)  # one NOEMIE file: paid, partly paid, rejected, unmatched
    store = open_store(made)
    try:
        entries = {e.seq: e for e in store.audit_entries()}
    finally:
        store.close()
    with attacker(made) as conn:
        [(file_seq,)] = [(s,) for s, e in entries.items() if e.kind == "noemie_file"]
        seq, record, hashes = conn.execute(
            "SELECT seq, record, hash FROM audit_journal WHERE seq <= ? ORDER BY seq DESC LIMIT 1",
            [file_seq],
        ).fetchone()
        grouped = [entries[s] for s in range(seq, seq + len(unpack_records(record)))]
        kinds = [e.kind for e in grouped]
        assert kinds[-1] == "noemie_file"
        assert kinds.count("payment") == 3
        assert {"paid", "rejected", "unmatched_payment"} <= set(kinds)
        one_each = sum(len(r) + len(h) for _, r, h in map(stored_entry, grouped))
        # 8 entries here take ~half their bytes as rows of one; a file of 50 lines, a fifth.
        assert len(record) + len(hashes) < 0.6 * one_each
        code, out = verify_cli(capsys)
        assert code == 0 and out["conforme"] is True, out["message"]

        # An amount edited inside the row (its hash left as it was) is named at its entry.
        conn.drop_triggers("audit_journal_no_update")
        records = unpack_records(record)
        paid = kinds.index("payment")
        at, kind, fse_id, lot_id, payload = records[paid]
        records[paid] = (at, kind, fse_id, lot_id, payload.replace('.00"', '.01"', 1))
        assert records[paid][4] != payload
        conn.execute(
            "UPDATE audit_journal SET record = ? WHERE seq = ?", [pack_records(records), seq]
        )
    code, out = verify_cli(capsys)
    assert code == 1 and out["premiere_entree_fautive"] == seq + paid and out["ecart"] == "hash"
