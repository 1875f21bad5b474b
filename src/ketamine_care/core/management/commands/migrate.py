"""`ketamine-care migrate`: Django's migrate, then `collectstatic`, so that an upgrade
(migrate, then restart the workers) never serves a page whose static files are missing.
`COLLECTSTATIC_ON_MIGRATE=False` turns the second step off (the test suite does)."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.commands.migrate import Command as MigrateCommand


class Command(MigrateCommand):
    def handle(self, *args, **options):
        result = super().handle(*args, **options)
        if settings.COLLECTSTATIC_ON_MIGRATE:
            call_command("collectstatic", interactive=False, verbosity=0)
        return result
