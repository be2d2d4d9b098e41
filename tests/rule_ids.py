"""Rule IDs as the source code uses them, read with `ast` (no tests here): every string literal that is a rule ID,
and the rules cases cite with `warn(...)`."""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULE_ID = re.compile(r"(WS|RPC|SCH|BEH|SEC)-\d{3}[a-z]?")
SOURCES = ("conformance", "profiles")
CATALOGUE = ROOT / "conformance/rules/catalogue.py"


def _python_files() -> list[Path]:
    return sorted(p for folder in SOURCES for p in (ROOT / folder).rglob("*.py"))


@lru_cache(maxsize=None)
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def rule_id_literals() -> dict[str, list[str]]:
    """Rule ID -> where it is written ("file:line"), outside the catalogue itself."""
    found: dict[str, list[str]] = {}
    for path in _python_files():
        if path == CATALOGUE:
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and RULE_ID.fullmatch(node.value):
                found.setdefault(node.value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def warn_calls() -> list[tuple[str, object]]:
    """("file:line", first argument) of every `warn(...)` call; the argument is the rule ID when it is a literal."""
    calls = []
    for path in _python_files():
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name != "warn" or not node.args:
                continue
            first = node.args[0]
            value = first.value if isinstance(first, ast.Constant) else ast.unparse(first)
            calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", value))
    return calls


def rules_warned_by_cases() -> set[str]:
    return {value for _, value in warn_calls() if isinstance(value, str) and RULE_ID.fullmatch(value)}
