"""Screenshots the browser tests keep as artefacts, under test-output/ (which git ignores)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def screenshot_dir() -> Path:
    """`TEST_OUTPUT_DIR` (default: test-output/ at the top of the repository)/screenshots."""
    folder = Path(os.environ.get("TEST_OUTPUT_DIR", ROOT / "test-output")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(page, name: str, width: int = 1366) -> Path:
    """The whole page at `width` px, as `<name>-<width>.png`."""
    page.set_viewport_size({"width": width, "height": 900})
    path = screenshot_dir() / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
