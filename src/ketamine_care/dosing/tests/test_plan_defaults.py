"""`ketamine-care plan` with none of its optional inputs prints, for every shipped protocol,
exactly what `plan_defaults/` holds: the JSON (`<id>.json.out`) and the text (`<id>.txt.out`),
byte for byte, with the exit status and what goes to stderr (`streams.json`). Options added
to the command later must leave this output alone; a protocol's data change that moves its
plan shows here as a diff of its files.

After an intended change, rewrite the files and read the diff before committing:
`.venv/bin/python -m ketamine_care.dosing.tests.test_plan_defaults`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketamine_care.protocols.library import list_protocol_ids

from .label_cases import run_plan

HERE = Path(__file__).resolve().parent / "plan_defaults"
START = ["--start", "2026-12-07"]
# No source gives this protocol's titration frequency: the command needs the clinic's.
EXTRA = {"sc-ketamine-late-life": ["--every-days", "7"]}
MODES = {"json": ["--json"], "txt": []}


def argv(protocol: str, mode: str) -> list[str]:
    return ["--protocol", protocol, *START, *EXTRA.get(protocol, []), *MODES[mode]]


def run(protocol: str, mode: str) -> tuple[int, str, str]:
    return run_plan(argv(protocol, mode))


def streams() -> dict:
    return json.loads((HERE / "streams.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("protocol", list_protocol_ids())
def test_the_default_plan_is_unchanged(protocol, mode):
    status, out, err = run(protocol, mode)
    assert out == (HERE / f"{protocol}.{mode}.out").read_text(encoding="utf-8")
    assert [status, err] == streams()[protocol][mode]


def test_every_shipped_protocol_is_pinned():
    assert sorted(streams()) == list_protocol_ids()


def write() -> None:
    """Rewrite the files from the current code (after an intended change only)."""
    table: dict[str, dict] = {}
    for protocol in list_protocol_ids():
        for mode in sorted(MODES):
            status, out, err = run(protocol, mode)
            (HERE / f"{protocol}.{mode}.out").write_text(out, encoding="utf-8")
            table.setdefault(protocol, {})[mode] = [status, err]
    text = json.dumps(table, indent=2, ensure_ascii=False) + "\n"
    (HERE / "streams.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write()
