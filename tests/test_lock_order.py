"""The lock rules of docs/ARCHITECTURE.md ("Locks and their order"), checked in the source.

A `select_for_update()` over a query with joins locks every joined row; FOR UPDATE (without
NO KEY) also blocks the foreign-key checks that PostgreSQL runs at COMMIT on every row a new
row references. Both made ordinary traffic deadlock against the audit-chain head. So every
row lock names `of=` and `no_key=True`.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "ketamine_care"


def _row_locks():
    for path in sorted(SRC.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "select_for_update"
            ):
                yield path.relative_to(SRC), node


def test_every_row_lock_names_its_table_and_leaves_foreign_keys_alone():
    found = list(_row_locks())
    assert len(found) >= 9  # the ledger, the sessions, the alerts, the audit head, ...
    wrong = []
    for path, call in found:
        keywords = {k.arg: k.value for k in call.keywords}
        of = keywords.get("of")
        no_key = keywords.get("no_key")
        if not isinstance(of, ast.Tuple) or not of.elts:
            wrong.append(f"{path}:{call.lineno} names no of=(...)")
        if not (isinstance(no_key, ast.Constant) and no_key.value is True):
            wrong.append(f"{path}:{call.lineno} lacks no_key=True")
    assert wrong == []
