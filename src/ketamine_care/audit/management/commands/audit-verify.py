"""`ketamine-care audit-verify`: check every clinic's audit chain; exit 1 on the first break."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from ketamine_care.accounts.models import Clinic
from ketamine_care.audit.verify import verify_all


class Command(BaseCommand):
    help = "Verify the audit trail: report the first altered, inserted or deleted event."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print a JSON report")

    def handle(self, *args, **options) -> None:
        reports = verify_all()
        names = {str(c.public_id): c.name for c in Clinic.objects.all()}
        broken = [r for r in reports if not r.ok]
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": not broken,
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
                                },
                            }
                            for r in reports
                        ],
                    },
                    indent=2,
                )
            )
        else:
            for r in reports:
                label = names.get(r.chain, r.chain)
                if r.ok:
                    self.stdout.write(f"OK      {label}: {r.events} events")
                else:
                    p = r.problem
                    self.stdout.write(
                        f"BROKEN  {label}: first problem at event {p.seq} ({p.kind}): {p.detail}"
                    )
        if broken:
            raise SystemExit(1)
