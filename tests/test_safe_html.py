"""HTML is built in templates or with format_html/format_html_join, never by formatting a
string and marking the result safe: a value formatted into it would skip escaping."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src" / "ketamine_care"
SAFE_MARKERS = {"mark_safe", "SafeString", "SafeText"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_formatted(node: ast.expr) -> bool:
    """An f-string, a concatenation, %-formatting, str.format() or a join of any of these."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return True
    if isinstance(node, ast.Call) and _name(node.func) == "format":
        return True
    if isinstance(node, ast.Call) and _name(node.func) == "join" and node.args:
        argument = node.args[0]
        if isinstance(argument, ast.GeneratorExp | ast.ListComp):
            return _is_formatted(argument.elt) or _calls_a_formatter(argument.elt)
        return True  # a join of strings built elsewhere cannot be checked here
    return False


def _calls_a_formatter(node: ast.expr) -> bool:
    # "".join(_row(a) for a in rows): the helper's body is not visible here, so refuse it.
    return isinstance(node, ast.Call) and _name(node.func) not in ("format_html", "escape")


def unsafe_html(source: str, filename: str = "<source>") -> list[str]:
    """The places in `source` that mark a formatted string as safe, as `file:line`."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and _name(node.func) in SAFE_MARKERS and node.args:
            if _is_formatted(node.args[0]):
                found.append(f"{filename}:{node.lineno}")
    return found


def test_no_source_file_marks_a_formatted_string_safe():
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        found += unsafe_html(path.read_text(encoding="utf-8"), str(path.relative_to(SOURCE)))
    assert found == [], "use format_html / format_html_join or a template: " + ", ".join(found)


@pytest.mark.parametrize(
    "code",
    [
        'mark_safe(f"<b>{name}</b>")',
        'mark_safe("<b>" + name + "</b>")',
        'mark_safe("<b>%s</b>" % name)',
        'mark_safe("<b>{}</b>".format(name))',
        'safestring.mark_safe(f"<i>{name}</i>")',
        'SafeString(f"<b>{name}</b>")',
        'mark_safe("".join(f"<li>{n}</li>" for n in names))',
        'mark_safe("".join(_row(n) for n in names))',
        'mark_safe("".join(parts))',
    ],
)
def test_the_check_catches_each_way_of_formatting(code):
    assert unsafe_html(code) == ["<source>:1"]


@pytest.mark.parametrize(
    "code",
    [
        'mark_safe("<br>")',
        "mark_safe(svg)",
        'mark_safe(segno.make(url).svg_inline(title="QR code"))',
        'format_html("<b>{}</b>", name)',
        'format_html_join("", "<li>{}</li>", ((n,) for n in names))',
        'mark_safe("".join(format_html("<i>{}</i>", n) for n in names))',
    ],
)
def test_the_check_allows_what_cannot_carry_an_unescaped_value(code):
    assert unsafe_html(code) == []
