"""A changed instrument package for tests: QIDS-SR16 re-released with a new version whose
psychomotor domain is split in two, so the same answers total differently; the old file moves
to the archive as a release would leave it. Numbers are test data, not guidance."""

from __future__ import annotations

import json
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from ketamine_care.instruments import definition as definitions

CHANGED_CODE = "qids_sr16"
CHANGED_VERSION = "2.0.0-test"


def qids_answers(*, slowed: int, agitated: int) -> dict[str, int]:
    """Every QIDS-SR16 item 0 except the two psychomotor items."""
    answers = {f"qids_sr16_{i}": 0 for i in range(1, 17)}
    answers.update(qids_sr16_15=slowed, qids_sr16_16=agitated)
    return answers


def _changed(original: dict) -> dict:
    changed = json.loads(json.dumps(original))
    changed["version"] = CHANGED_VERSION
    domains = [d for d in changed["domains"] if d["name"] != "psychomotor"]
    domains += [
        {"name": "psychomotor_slowed", "items": ["qids_sr16_15"]},
        {"name": "psychomotor_agitated", "items": ["qids_sr16_16"]},
    ]
    changed["domains"] = domains
    changed["total_range"]["max"] += 3
    top = max(changed["banding"]["bands"], key=lambda band: band["max"])
    top["max"] += 3
    return changed


def _clear_caches() -> None:
    definitions.load_definition.cache_clear()
    definitions.definition.cache_clear()


@contextmanager
def changed_instrument_package():
    """Patch the shipped definitions directory with the changed QIDS-SR16 (and its archive)."""
    source = definitions.DEFINITIONS_DIR
    original = json.loads((source / f"{CHANGED_CODE}.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "definitions"
        shutil.copytree(source, root)
        (root / f"{CHANGED_CODE}.json").write_text(json.dumps(_changed(original)), "utf-8")
        archived = root / "archive" / CHANGED_CODE
        archived.mkdir(parents=True, exist_ok=True)
        (archived / f"{original['version']}.json").write_text(json.dumps(original), "utf-8")
        _clear_caches()
        try:
            with (
                mock.patch.object(definitions, "DEFINITIONS_DIR", root),
                mock.patch.object(definitions, "ARCHIVE_DIR", root / "archive"),
            ):
                yield original
        finally:
            _clear_caches()
