"""The store owns the SQL (#18): no query text in ``client/`` or ``ui/`` outside
``client/store/`` and ``client/migrations.py``.

Two checks over the source (AST, no import): a string passed to ``execute``/``query``/...
that holds SQL, and any string literal that starts like a statement (SQL kept in a constant
and passed later).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Where SQL belongs.
OWNERS = ("client/store/", "client/migrations.py")

#: Justified exceptions: (file, why). Keep it short.
ALLOWED = {
    # File-level work on a connection of its own, not the store's: the snapshot read that
    # pins the online backup's copy, and the check of a backup file before a restore.
    "client/backup_files.py": "SQLite backup API and the check of a backup file",
}

_CALLS = {"execute", "executemany", "executescript", "query"}
_IN_CALL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b")
_STATEMENT = re.compile(
    r"^\s*(SELECT\s|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s)"
)


def _strings(node: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def sql_outside_store(root: Path = ROOT) -> list[str]:
    """``path:line: text`` of every SQL found outside the store."""
    found: list[str] = []
    for top in ("client", "ui"):
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel.startswith(OWNERS) or rel in ALLOWED:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
            for node in ast.walk(tree):
                texts: list[str] = []
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in _CALLS
                    and node.args
                ):
                    texts = [t for t in _strings(node.args[0]) if _IN_CALL.search(t)]
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    texts = [node.value] if _STATEMENT.match(node.value) else []
                found += [f"{rel}:{getattr(node, 'lineno', 0)}: {t.strip()[:60]}" for t in texts]
    return sorted(set(found))


def test_no_sql_outside_the_store() -> None:
    assert sql_outside_store() == []


def test_the_check_finds_sql(tmp_path: Path) -> None:
    (tmp_path / "client").mkdir()
    (tmp_path / "ui").mkdir()
    (tmp_path / "client" / "x.py").write_text(
        'def f(db):\n    return db.query("SELECT 1 FROM fse WHERE id = ?", [1])\n'
    )
    (tmp_path / "ui" / "y.py").write_text(
        '_SQL = """\n    DELETE FROM lots"""\n_TEXT = "Select the lot"\n'
    )
    (tmp_path / "client" / "migrations.py").write_text('X = "UPDATE fse SET a = 1"\n')
    assert [f.split(":")[0] for f in sql_outside_store(tmp_path)] == [
        "client/x.py",
        "ui/y.py",
    ]


def test_allowed_exceptions_exist() -> None:
    for rel in ALLOWED:
        assert (ROOT / rel).is_file(), rel
