"""Management-command wrappers for the pure clinical commands, so `ketamine-care help` lists
them. The console script runs them without starting Django (see `ketamine_care.__main__`)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand


def pure_command(name: str, summary: str) -> type[BaseCommand]:
    class Command(BaseCommand):
        help = f"{summary} (pure; `ketamine-care {name} --help` for its inputs)"

        def run_from_argv(self, argv: list[str]) -> None:
            from ketamine_care.__main__ import PURE_COMMANDS, _load

            sys.exit(_load(PURE_COMMANDS[name])(argv[2:]))

        def handle(self, *args, **options) -> None:  # pragma: no cover - run_from_argv
            raise NotImplementedError

    return Command
