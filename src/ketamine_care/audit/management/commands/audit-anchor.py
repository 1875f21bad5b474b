"""`ketamine-care audit-anchor`: write each chain's head (event count and last hash) to the
append-only anchor file, signed with the audit key. Run it from cron; running it twice in a row
adds nothing the second time. Exit 1 when a chain no longer matches its anchors (it is not
anchored) or the file holds a bad line. `--enqueue` queues the same work as a background job
for the worker instead (retried with backoff; a failure shows on the failed jobs page)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ketamine_care.audit.jobs import enqueue_anchoring
from ketamine_care.audit.queries import chain_names
from ketamine_care.audit.services import anchor_chains


class Command(BaseCommand):
    help = "Anchor every audit chain's head in the append-only anchor file (AUDIT_ANCHOR_FILE)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--file", type=Path, help="anchor file (default: AUDIT_ANCHOR_FILE)")
        parser.add_argument(
            "--enqueue", action="store_true", help="queue it for the worker instead of now"
        )

    def handle(self, *args, **options) -> None:
        if options["enqueue"]:
            if options["file"]:
                raise CommandError("--enqueue writes to AUDIT_ANCHOR_FILE; leave out --file")
            job = enqueue_anchoring()
            self.stdout.write(f"queued audit anchoring as job {job.public_id}")
            return
        try:
            run = anchor_chains(path=options["file"])
        except OSError as exc:
            raise CommandError(f"cannot write the anchor file: {exc}", returncode=2) from exc
        names = chain_names()
        for r in run.results:
            label = names.get(r.chain, r.chain)
            if r.status == "anchored":
                self.stdout.write(f"anchored   {label}: {r.seq} events, last hash {r.hash[:16]}")
            elif r.status == "unchanged":
                self.stdout.write(f"unchanged  {label}: {r.seq} events already anchored")
            else:
                self.stdout.write(f"REFUSED    {label}: {r.detail}")
        for p in run.file_problems:
            label = names.get(p.chain, p.chain) if p.chain else "unknown chain"
            self.stdout.write(f"BROKEN     {run.path} line {p.line} ({label}): {p.detail}")
        written = sum(r.status == "anchored" for r in run.results)
        self.stdout.write(f"{written} anchor(s) written to {run.path}")
        if not run.ok:
            raise SystemExit(1)
