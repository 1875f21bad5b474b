"""A clinic's complete export: what a clinic takes when it leaves.

The folder holds `fhir/<Type>.ndjson` (every registered resource type, every row),
`audit/events.ndjson` (the clinic's audit chain and its stripes, every field, hashes
included, so `audit-verify`'s checks can be run on them elsewhere), `audit/anchors.jsonl`
(the anchor file's signed lines for those chains), `ledger.csv` (the controlled-substance
ledger, line by line with its balances), `records/<app.model>.ndjson` (the platform's own
rows of every table that belongs to the clinic, for `import-clinic`), and `manifest.json`
with each file's SHA-256, size and line count. Everything is streamed, a chunk at a time.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.anchors import anchor_path
from ketamine_care.audit.models import AuditEvent
from ketamine_care.audit.services import chain_key, chain_keys, record
from ketamine_care.core import spreadsheet
from ketamine_care.fhir import registry
from ketamine_care.fhir.bulk_rows import CHUNK, clinic_rows, resource_line
from ketamine_care.fhir.clinic_records import clinic_querysets, serialize_row
from ketamine_care.inventory.models import LedgerEntry

FORMAT = 1
LEDGER_COLUMNS = ["id", "created_at", "lot", "product", "kind", "unit", "quantity", "delta",
                  "balance_after", "invoice_number", "counterparty", "reason", "performed_by",
                  "witness", "administration_ref"]  # fmt: skip


def _write_lines(path: Path, lines) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(line)
            out.write("\n")
            count += 1
    return count


def _fhir_lines(clinic, name: str):
    for part, row in clinic_rows(clinic, name):
        yield resource_line(part, row).decode("utf-8")


def _audit_lines(clinic):
    events = AuditEvent.objects.filter(chain__in=chain_keys(chain_key(clinic)))
    for event in events.order_by("chain", "seq").iterator(chunk_size=CHUNK):
        yield json.dumps(serialize_row(event), cls=DjangoJSONEncoder)


def _anchor_lines(clinic):
    chains = set(chain_keys(chain_key(clinic)))
    path = anchor_path()
    if not path.exists():
        return
    with path.open(encoding="utf-8") as anchors:
        for line in anchors:
            try:
                chain = json.loads(line).get("chain")
            except ValueError:
                continue
            if chain in chains:
                yield line.rstrip("\n")


def _write_ledger(clinic, path: Path) -> int:
    rows = LedgerEntry.objects.filter(clinic=clinic).select_related(
        "lot__product", "performed_by", "witness"
    )
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = spreadsheet.writer(out)  # cells a spreadsheet would run as formulas are quoted
        writer.writerow(LEDGER_COLUMNS)
        for e in rows.order_by("pk").iterator(chunk_size=CHUNK):
            writer.writerow([e.public_id, e.created_at.isoformat(), e.lot.public_id,
                             e.lot.product.public_id, e.kind, e.unit, e.quantity, e.delta,
                             e.balance_after, e.invoice_number, e.counterparty, e.reason,
                             e.performed_by.email, e.witness.email if e.witness else "",
                             e.administration_ref])  # fmt: skip
            count += 1
    return count


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def export_clinic(*, clinic, path: Path, actor=None) -> dict:
    """Write the clinic's export into the empty folder `path`; return its manifest."""
    path.mkdir(parents=True, exist_ok=True)
    if any(path.iterdir()):
        raise FileExistsError(f"{path} is not empty")
    counts: dict[str, int] = {}
    for name in registry.type_names():
        counts[f"fhir/{name}.ndjson"] = _write_lines(
            path / "fhir" / f"{name}.ndjson", _fhir_lines(clinic, name)
        )
    counts["audit/events.ndjson"] = _write_lines(path / "audit/events.ndjson", _audit_lines(clinic))
    counts["audit/anchors.jsonl"] = _write_lines(
        path / "audit/anchors.jsonl", _anchor_lines(clinic)
    )
    counts["ledger.csv"] = _write_ledger(clinic, path / "ledger.csv")
    for label, rows in clinic_querysets(clinic):
        lines = (json.dumps(serialize_row(r), cls=DjangoJSONEncoder) for r in rows)
        counts[f"records/{label}.ndjson"] = _write_lines(
            path / "records" / f"{label}.ndjson", lines
        )
    manifest = {
        "format": FORMAT,
        "clinic": str(clinic.public_id),
        "clinic_name": clinic.name,
        "created_at": timezone.now().isoformat(),
        "files": [
            {"path": name, "sha256": _digest(path / name), "bytes": (path / name).stat().st_size,
             "lines": lines}
            for name, lines in counts.items()
        ],
    }  # fmt: skip
    (path / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    with transaction.atomic():
        record(
            event_type="clinic.exported",
            actor=actor,
            clinic=clinic,
            changes={"files": len(counts), "resources": sum(counts.values())},
        )
    return manifest


def verify_export(path: Path) -> list[str]:
    """The files whose checksum or size no longer match the manifest (empty: intact)."""
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    return [
        f["path"]
        for f in manifest["files"]
        if not (path / f["path"]).exists() or _digest(path / f["path"]) != f["sha256"]
    ]
