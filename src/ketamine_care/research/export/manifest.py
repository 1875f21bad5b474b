"""The export's manifest (`manifest.json`): every file with its SHA-256, size and row count,
the project, when and by which software version it was made, the columns exported and the
de-identification report; and `verify_export`, which checks a folder against it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

FORMAT = 1
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class FileEntry:
    path: str
    sha256: str
    bytes: int
    rows: int | None  # None for the dictionary and the README


@dataclass
class Manifest:
    project: str
    project_name: str
    exported_at: str
    software_version: str
    consent_text_version: str
    files: list[FileEntry] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)  # rows per table
    columns: dict[str, list[str]] = field(default_factory=dict)
    deidentification: dict = field(default_factory=dict)
    format: int = FORMAT

    def as_json(self) -> dict:
        return asdict(self)

    def file(self, path: str) -> FileEntry:
        return next(f for f in self.files if f.path == path)


def software_version() -> str:
    try:
        return version("ketamine-care")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "unknown"


def digest(path: Path) -> str:
    with path.open("rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


def add_file(manifest: Manifest, folder: Path, name: str, rows: int | None = None) -> None:
    path = folder / name
    manifest.files.append(FileEntry(name, digest(path), path.stat().st_size, rows))


def write_manifest(manifest: Manifest, folder: Path) -> Path:
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest.as_json(), indent=2) + "\n", encoding="utf-8")
    return path


def verify_export(folder: Path) -> list[str]:
    """The files missing or whose checksum no longer matches the manifest (empty: intact)."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return [
        f["path"]
        for f in manifest["files"]
        if not (folder / f["path"]).is_file() or digest(folder / f["path"]) != f["sha256"]
    ]
