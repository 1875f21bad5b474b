"""Management-command wrappers for the pure clinical commands, so `ketamine-care help` lists
them. The console script runs them without starting Django (see `ketamine_care.__main__`);
each app wraps its own command's entry point (`<app>/management/commands/<name>.py`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from django.core.management.base import BaseCommand


def pure_command(
    name: str, summary: str, main: Callable[[Sequence[str]], int]
) -> type[BaseCommand]:
    class Command(BaseCommand):
        help = f"{summary} (pure; `ketamine-care {name} --help` for its inputs)"

        def run_from_argv(self, argv: list[str]) -> None:
            sys.exit(main(argv[2:]))

        def handle(self, *args, **options) -> None:  # pragma: no cover - run_from_argv
            raise NotImplementedError

    return Command
