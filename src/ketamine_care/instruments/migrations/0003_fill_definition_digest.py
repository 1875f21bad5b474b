"""Give every stored administration the digest of the definition it was scored with.

The definition is found by its code and stored version: the current file when its version
matches, else `definitions/archive/<code>/<version>.json`. A version shipped nowhere leaves the
digest blank (unknown) rather than naming rules it was not scored with. Helpers are copied
here (migrations never import app code); the digest is the SHA-256 of canonical JSON
(`json.dumps(sort_keys=True)`), as in `core.canonical`.
"""

import hashlib
import json
from pathlib import Path

from django.db import migrations

_DEFINITIONS = Path(__file__).resolve().parents[1] / "definitions"


def _content(code, version):
    current = _DEFINITIONS / f"{code}.json"
    if not current.is_file():
        return None
    data = json.loads(current.read_text(encoding="utf-8"))
    if data.get("version") == version:
        return data
    archived = _DEFINITIONS / "archive" / code / f"{version}.json"
    return json.loads(archived.read_text(encoding="utf-8")) if archived.is_file() else None


def fill(apps, schema_editor):
    Administration = apps.get_model("instruments", "Administration")
    digests = {}
    pairs = Administration.objects.filter(definition_digest="").values_list(
        "instrument_code", "definition_version"
    )
    for code, version in set(pairs):
        content = _content(code, version)
        if content is not None:
            payload = json.dumps(content, sort_keys=True).encode("utf-8")
            digests[(code, version)] = hashlib.sha256(payload).hexdigest()
    for (code, version), digest in digests.items():
        Administration.objects.filter(
            instrument_code=code, definition_version=version, definition_digest=""
        ).update(definition_digest=digest)


class Migration(migrations.Migration):
    dependencies = [("instruments", "0002_definition_digest")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
