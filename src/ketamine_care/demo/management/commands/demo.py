"""`ketamine-care demo`: migrate (which collects the static files), load demo data (idempotent),
print the logins, serve, with a background worker (`ketamine-care worker`) beside the server,
stopped when the demo stops. The demo runs with DEBUG off (DEMO=True, set by the console
script): users see the project's own error pages and WhiteNoise serves the static files."""

from __future__ import annotations

import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ketamine_care.demo.data import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Set up the database with demo data and serve the app on http://127.0.0.1:PORT."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--no-serve", action="store_true", help="only migrate and load the data"
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="serve without a background worker"
        )

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        result = load_demo()
        url = f"http://{options['host']}:{options['port']}"
        db = settings.DATABASES["default"]
        self.stdout.write(self.style.SUCCESS("ketamine-care demo is ready."))
        self.stdout.write(f"  Database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}")
        self.stdout.write(f"  Patients created now: {result['patients_created']}")
        self.stdout.write(f"  Open {url} and sign in with one of (password: {DEMO_PASSWORD}):")
        for email, role, clinic in result["logins"]:
            self.stdout.write(f"    {email:<32} {role:<18} {clinic}")
        if getattr(settings, "EMAIL_FILE_PATH", None):
            self.stdout.write(
                f"  Sent e-mail (invitations, resets) is written to {settings.EMAIL_FILE_PATH}"
            )
        if options["no_serve"]:
            return
        worker = None if options["no_worker"] else self.start_worker()
        # Stopped by a supervisor (SIGTERM) as by Ctrl-C: leave through `finally`, so the
        # worker never outlives the demo.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        try:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
        finally:
            if worker is not None:
                self.stop_worker(worker)

    def start_worker(self) -> subprocess.Popen:
        # The same settings (this process's environment): jobs queued by the server run here.
        worker = subprocess.Popen(
            [sys.executable, "-m", "ketamine_care", "worker", "--interval", "2", "-v", "0"]
        )
        self.stdout.write(
            f"  Background worker started (pid {worker.pid}); it stops with the demo."
        )
        return worker

    def stop_worker(self, worker: subprocess.Popen) -> None:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        self.stdout.write(f"  Background worker stopped (pid {worker.pid}).")
