"""`ketamine-care audit-verify`: check every clinic's audit chain against its head and the
anchor file; exit 1 on the first break in any chain or on a bad anchor line."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from ketamine_care.audit.anchors import Anchor
from ketamine_care.audit.queries import chain_names
from ketamine_care.audit.verify import verify_audit_trail


def _anchor_json(anchor: Anchor | None) -> dict | None:
    if anchor is None:
        return None
    return {
        "line": anchor.line,
        "seq": anchor.seq,
        "hash": anchor.hash,
        "anchored_at": anchor.anchored_at,
        "key_id": anchor.key_id,
    }


class Command(BaseCommand):
    help = (
        "Verify the audit trail: report the first altered, inserted or deleted event, and any "
        "chain cut or re-hashed since its anchors were written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print a JSON report")

    def handle(self, *args, **options) -> None:
        try:
            report = verify_audit_trail()
        except OSError as exc:
            raise CommandError(f"cannot read the anchor file: {exc}", returncode=2) from exc
        names = chain_names()
        if options["json"]:
            self.stdout.write(json.dumps(self._as_json(report, names), indent=2))
        else:
            self._print(report, names)
        if not report.ok:
            raise SystemExit(1)

    def _as_json(self, report, names) -> dict:
        log = report.anchor_log
        return {
            "ok": report.ok,
            "chains": [
                {
                    "chain": r.chain,
                    "clinic": names.get(r.chain),
                    "events": r.events,
                    "ok": r.ok,
                    "problem": None
                    if r.ok
                    else {
                        "seq": r.problem.seq,
                        "event_id": r.problem.event_id,
                        "kind": r.problem.kind,
                        "detail": r.problem.detail,
                        "anchor": _anchor_json(r.problem.anchor),
                    },
                    "anchor": _anchor_json(r.anchor),
                }
                for r in report.chains
            ],
            "anchors": {
                "file": str(log.path),
                "exists": log.exists,
                "lines": log.lines,
                "valid": log.valid,
                "problems": [
                    {
                        "line": p.line,
                        "chain": p.chain,
                        "clinic": names.get(p.chain),
                        "detail": p.detail,
                    }
                    for p in log.problems
                ],
            },
            "key_id": report.key_id,
        }

    def _print(self, report, names) -> None:
        for r in report.chains:
            label = names.get(r.chain, r.chain)
            if r.ok:
                anchored = (
                    f"; anchored at event {r.anchor.seq} on {r.anchor.anchored_at}"
                    if r.anchor
                    else "; not anchored yet"
                )
                self.stdout.write(f"OK      {label}: {r.events} events{anchored}")
            else:
                p = r.problem
                self.stdout.write(
                    f"BROKEN  {label}: first problem at event {p.seq} ({p.kind}): {p.detail}"
                )
        log = report.anchor_log
        for p in log.problems:
            label = names.get(p.chain, p.chain) if p.chain else "unknown chain"
            self.stdout.write(f"BROKEN  anchor file {log.path} line {p.line} ({label}): {p.detail}")
        if not log.exists and report.chains:
            self.stdout.write(
                f"WARNING no anchor file at {log.path}: schedule `ketamine-care audit-anchor`"
            )
