"""The de-identified research export (docs/RESEARCH.md, "Research export"):
`write_export(project, path, *, progress=None, csv=True, actor=None, sql=None) -> Manifest`."""

from ketamine_care.research.export.manifest import Manifest, verify_export
from ketamine_care.research.export.run import FolderNotEmpty, write_export

__all__ = ["FolderNotEmpty", "Manifest", "verify_export", "write_export"]
