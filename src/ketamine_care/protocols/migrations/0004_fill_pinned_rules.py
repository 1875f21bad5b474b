"""Pin the rules of every protocol version that has already left draft.

Versions activated before pinning existed used the package files of the day; the best record
of those is the files installed when this migration runs, so each active or retired version
is pinned to them now. Helpers are copied here (migrations never import app code): the rule
set is composed from its raw files (fragments in order, excluded ids dropped, own rules
appended), instruments are the raw definition files, thresholds come from the version's own
stored definition. Each digest is the SHA-256 of the content's canonical JSON
(`json.dumps(sort_keys=True)`), as in `core.canonical`.
"""

import hashlib
import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

_APPS = Path(__file__).resolve().parents[2]
_RULESETS = _APPS / "screening" / "rulesets"
_INSTRUMENTS = _APPS / "instruments" / "definitions"


def _digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


def _pin(content, **labels):
    return {**labels, "digest": _digest(content), "content": content}


def _read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _rule_set(rule_set_id):
    spec = _read(_RULESETS / f"{rule_set_id}.json")
    fragments = [
        _read(_RULESETS / "fragments" / f"{name}.json") for name in spec.get("include", [])
    ]
    excluded = set(spec.get("exclude", []))
    rules = [r for f in fragments for r in f["rules"] if r["id"] not in excluded]
    content = {
        "id": spec["id"],
        "version": spec["version"],
        "title": spec.get("title", ""),
        "fragments": {f["id"]: f["version"] for f in fragments},
        "rules": rules + list(spec.get("rules", [])),
    }
    return _pin(content, id=spec["id"], version=spec["version"])


def _instrument_codes(definition):
    monitoring = definition.get("monitoring", {})
    outcome = definition.get("outcome", {})
    named = {t["instrument"] for t in monitoring.get("instruments_at", [])}
    for review in definition.get("schedule", {}).get("reviews", []):
        named.update(review.get("instruments", []))
    named.add(outcome.get("instrument"))
    named.update(outcome.get("secondary", []))
    named.add(monitoring.get("discharge", {}).get("recovery_score"))
    shipped = {p.stem for p in _INSTRUMENTS.glob("*.json") if not p.stem.endswith(".examples")}
    return sorted(code for code in named if code in shipped)


def pins_for(definition):
    instruments = {}
    for code in _instrument_codes(definition):
        content = _read(_INSTRUMENTS / f"{code}.json")
        instruments[code] = _pin(content, version=content["version"])
    return {
        "alert_thresholds": _pin(definition["monitoring"]["alert_thresholds"]),
        "instruments": instruments,
        "screening_rule_set": _rule_set(definition["screening_rule_set"]),
    }


def fill(apps, schema_editor):
    ProtocolVersion = apps.get_model("protocols", "ProtocolVersion")
    now = timezone.now()
    for version in ProtocolVersion.objects.exclude(status="draft").filter(pinned_at__isnull=True):
        version.pinned_rules = pins_for(version.definition)
        version.pinned_at = now
        version.save(update_fields=["pinned_rules", "pinned_at"])


class Migration(migrations.Migration):
    dependencies = [("protocols", "0003_pinned_rules")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
