"""`ketamine-care serve`: collect static files, then run gunicorn in this process's place.

Workers and threads come from the environment (`WEB_CONCURRENCY`, `GUNICORN_THREADS`) or the
options; the address from `--bind` or `BIND` (default 127.0.0.1:8000: put a reverse proxy in
front, or bind 0.0.0.0 inside a container). No access log: the application writes one JSON
line per request without the path or query string (`core/logs.py`), where gunicorn's access
log would write the whole URL, a searched name or a portal token included.
"""

from __future__ import annotations

import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve the application with gunicorn (collects static files first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        # argparse converts a string default with `type`: a bad environment value is refused
        # with the option's name.
        env = os.environ.get
        parser.add_argument("--workers", type=int, default=env("WEB_CONCURRENCY", "2"))
        parser.add_argument("--threads", type=int, default=env("GUNICORN_THREADS", "1"))
        parser.add_argument("--timeout", type=int, default=env("GUNICORN_TIMEOUT", "30"))
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="the static files are collected"
        )

    def handle(self, *args, **options) -> None:
        for name in ("workers", "threads", "timeout"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1")
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "ketamine_care.config.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--timeout",
            str(options["timeout"]),
        ]
        sys.stdout.flush()
        os.execv(sys.executable, argv)
