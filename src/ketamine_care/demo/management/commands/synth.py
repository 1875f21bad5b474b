"""`ketamine-care synth --patients N --seed S [--clinic NAME] [--workers W]`: fill the
database with synthetic patients (demo/synth; docs/RESEARCH.md, "Synthetic data"). Refuses
(exit 2) a database that may hold real patients."""

from __future__ import annotations

import os
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from ketamine_care.demo.synth.guard import SynthRefused
from ketamine_care.demo.synth.run import BATCH, DEFAULT_CLINIC, synthesize


class Command(BaseCommand):
    help = (
        "Fill the database with synthetic patients, courses, sessions and ratings. Only for an "
        "empty database or one synth filled before."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--clinic", default=DEFAULT_CLINIC)
        parser.add_argument("--batch-size", type=int, default=BATCH)
        parser.add_argument(
            "--workers",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="processes generating batches (PostgreSQL; default: 2, or 1 on one core)",
        )

    def handle(self, *args, **options) -> None:
        if options["patients"] < 1 or options["batch_size"] < 1:
            raise CommandError("--patients and --batch-size must be at least 1.", returncode=2)
        started = time.perf_counter()
        progress = _Progress(started, quiet=options["verbosity"] == 0)
        try:
            dataset = synthesize(
                patients=options["patients"],
                seed=options["seed"],
                clinic=options["clinic"],
                batch_size=options["batch_size"],
                workers=options["workers"],
                progress=progress,
            )
        except SynthRefused as exc:
            raise CommandError(str(exc), returncode=2) from None
        progress.done()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Loaded {dataset.patients} synthetic patients (seed {dataset.seed}) into "
            f"{dataset.clinic.name} in {seconds:.1f} s."
        )
        phases = ", ".join(f"{name} {value:.0f} s" for name, value in dataset.timings.items())
        self.stdout.write(f"Phases: {phases} (generate: the workers' time added up).")


class _Progress:
    """A counter line on stderr, rewritten in place."""

    def __init__(self, started: float, *, quiet: bool) -> None:
        self.started = started
        self.quiet = quiet

    def __call__(self, done: int, total: int, rows: dict) -> None:
        if self.quiet:
            return
        seconds = time.perf_counter() - self.started
        written = sum(v for k, v in rows.items() if not k.startswith("_"))
        rate = written / seconds if seconds else 0
        eta = seconds / done * (total - done) if done else 0
        sys.stderr.write(
            f"\rsynth: {done}/{total} patients ({100 * done / total:.0f} %), "
            f"{written} rows, {rate:,.0f} rows/s, {seconds:.0f} s, about {eta:.0f} s left"
        )
        sys.stderr.flush()

    def stage(self, text: str) -> None:
        """A step after the last batch (building indexes), with the time so far."""
        if self.quiet:
            return
        seconds = time.perf_counter() - self.started
        sys.stderr.write(f"\rsynth: {text}, {seconds:.0f} s".ljust(110))
        sys.stderr.flush()

    def done(self) -> None:
        if not self.quiet:
            sys.stderr.write("\n")
