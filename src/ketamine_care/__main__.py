"""The `ketamine-care` console script: the project's management commands with its own settings.

The clinical calculators (`score`, `screen`, `dose`, `plan`, `check-vitals`,
`course-review`) are pure and run
without starting Django, so they answer quickly and need no database.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence

PURE_COMMANDS: dict[str, str] = {
    "score": "ketamine_care.instruments.cli:main",
    "screen": "ketamine_care.screening.cli:main",
    "dose": "ketamine_care.dosing.cli:dose_main",
    "plan": "ketamine_care.dosing.cli:plan_main",
    "check-vitals": "ketamine_care.treatment_sessions.cli:main",
    "course-review": "ketamine_care.courses.cli:main",
}


def _load(target: str) -> Callable[[Sequence[str]], int]:
    module_name, func_name = target.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version("ketamine-care")
    except PackageNotFoundError:  # run from a source tree that was not installed
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if argv[1:] == ["--version"]:
        sys.stdout.write(f"ketamine-care {version()}\n")
        sys.exit(0)
    if len(argv) > 1 and argv[1] in PURE_COMMANDS:
        sys.exit(_load(PURE_COMMANDS[argv[1]])(argv[2:]))
    if len(argv) > 1 and argv[1] == "demo":
        # The demo runs locally with DEBUG off (the project's own error pages, static files
        # from WhiteNoise), plain http, mail written to files and two-factor off.
        os.environ.setdefault("DEMO", "True")
        os.environ.setdefault("REQUIRE_2FA", "False")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketamine_care.config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - load settings now to report problems clearly
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"ketamine-care: configuration error: {exc}\n")
        sys.exit(2)
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
