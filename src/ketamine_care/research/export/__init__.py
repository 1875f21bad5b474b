"""The de-identified research export (docs/RESEARCH.md, "Research export"):
`write_export(project, path, *, progress=None, csv=True, actor=None, sql=None) -> Manifest`.

The names below are imported on first use: the writer needs pyarrow (and numpy), about a
third of a second of every process's start, while most processes that load this package
(the app's job registry, every web worker, every console command) never write an export."""

from __future__ import annotations

import importlib

_LAZY = {
    "FolderNotEmpty": "ketamine_care.research.export.run",
    "write_export": "ketamine_care.research.export.run",
    "Manifest": "ketamine_care.research.export.manifest",
    "verify_export": "ketamine_care.research.export.manifest",
}

__all__ = ["FolderNotEmpty", "Manifest", "verify_export", "write_export"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
