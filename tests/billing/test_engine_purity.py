"""Nothing in billing/ imports Qt, sqlite, the network or the card layer (ticket 3)."""

from __future__ import annotations

import ast
from pathlib import Path

import billing

FORBIDDEN = (
    "PySide6",
    "shiboken6",
    "sqlite3",
    "sqlite_utils",
    "http",
    "urllib",
    "socket",
    "ssl",
    "requests",
    "cardio",
    "smartcard",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_billing_is_pure() -> None:
    root = Path(billing.__file__).parent
    offenders = {
        str(path.relative_to(root)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] in FORBIDDEN
        )
        for path in root.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_amount_is_written_in_the_pricing_code() -> None:
    """Amounts come from the data files: no euro literal in the engine's modules."""
    root = Path(billing.__file__).parent
    engine = [root / "pricing.py", root / "referential.py", *sorted((root / "rules").glob("*.py"))]
    for path in engine:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "Decimal"
                and node.args
            ):
                arg = node.args[0]
                if isinstance(arg, ast.Constant):
                    assert str(arg.value) in ("0.00", "0.01", "1", "100"), (path.name, arg.value)
