"""`ketamine-care worker`: run background jobs (django-tasks' database worker, `db_worker`)
and write the heartbeat that `/healthz` reports. Every option of `db_worker` applies:
`--batch` runs what is due and exits, `--interval` sets the polling period, `--queue-name`
the queues. Run one or more beside the app servers; they share work through the database
(each attempt is claimed under a row lock, SKIP LOCKED on PostgreSQL)."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from ketamine_care.core import heartbeat


class Heartbeat(threading.Thread):
    def __init__(self, every: float) -> None:
        super().__init__(name="worker-heartbeat", daemon=True)
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                heartbeat.beat()
            except Exception:  # noqa: BLE001,S110 - the next beat tries again
                pass
            finally:
                connections.close_all()  # this thread's own connection


class Command(DbWorkerCommand):
    help = "Run background jobs (e-mail, exports, audit anchoring) and beat the heartbeat."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # The reloader restarts a job half-way on every code change: never by default here.
        parser.set_defaults(reload=False)

    def handle(self, *args, **options) -> None:
        heartbeat.beat()  # at once: a worker that cannot reach the cache does not start
        beating = Heartbeat(settings.WORKER_HEARTBEAT_SECONDS)
        beating.start()
        try:
            super().handle(*args, **options)
        finally:
            beating.stopped.set()
            beating.join(timeout=5)
