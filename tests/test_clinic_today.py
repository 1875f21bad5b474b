"""No clinical code asks the server for today's date: "today" is the clinic's
(`core.clock.clinic_today(clinic)`), so a US clinic's afternoon is not already tomorrow.

Forbidden in every app module except `core/clock.py` (test modules and migrations are not
walked): `date.today()`, `datetime.today()`, `datetime.now()` without a zone,
`datetime.utcnow()`, `timezone.localdate(...)` (the zone a request happened to activate) and
`timezone.now().date()` (the UTC date)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ketamine_care"
ALLOWED = {PACKAGE / "core" / "clock.py"}


def _name(node: ast.AST) -> str:
    """`date.today` for `date.today`, `datetime.date.today` for the dotted form."""
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return f"{_name(node.func)}()"
    return "?"


def server_dates(source: str) -> list[tuple[int, str]]:
    """(line, call) of every server-clock date in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name.endswith(("date.today", "datetime.today", "datetime.utcnow")):
            found.append((node.lineno, name))
        elif name.endswith("datetime.now") and not node.args and not node.keywords:
            found.append((node.lineno, name))
        elif name == "localdate" or name.endswith(".localdate"):
            found.append((node.lineno, name))
        elif name.endswith("now().date"):
            found.append((node.lineno, name))
    return found


def _app_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts or path in ALLOWED:
            continue
        yield path


def test_no_app_module_reads_the_servers_date():
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}: {call}()"
        for path in _app_modules()
        for line, call in server_dates(path.read_text())
    ]
    assert offenders == [], "use core.clock.clinic_today(clinic) instead:\n" + "\n".join(offenders)


def test_the_walk_sees_the_app_modules():
    names = {path.relative_to(PACKAGE).as_posix() for path in _app_modules()}
    assert "inventory/services/posting.py" in names
    assert "treatment_sessions/services/prechecks.py" in names
    assert "core/clock.py" not in names


def test_the_check_finds_each_forbidden_form():
    source = "\n".join(
        [
            "from datetime import date, datetime",
            "import datetime as dt",
            "from django.utils import timezone",
            "a = date.today()",
            "b = dt.date.today()",
            "c = datetime.now()",
            "d = datetime.utcnow()",
            "e = timezone.localdate()",
            "f = timezone.now().date()",
            "g = timezone.localdate(when)",
            # Allowed: an explicit zone, an instant, the clinic's date.
            "h = datetime.now(tz=UTC)",
            "i = timezone.now()",
            "j = clinic_today(clinic)",
        ]
    )
    assert [line for line, _ in server_dates(source)] == [4, 5, 6, 7, 8, 9, 10]
