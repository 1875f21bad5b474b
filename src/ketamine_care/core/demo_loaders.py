"""Demo data that apps beside `demo` add to the demo clinic, in the style of Wagtail's hooks
(as `core.sections`).

`demo` and `research` sit in one layer and may not import each other, yet the demo clinic
should open on a research project. The research app registers a loader here in its
`AppConfig.ready()`; `demo.data.load_demo` calls every registered loader with the demo clinic,
after its own data, and merges what they return into its summary. A loader must be idempotent
(the demo loads again on every start).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DemoLoader = Callable[[Any], dict]
_LOADERS: dict[str, DemoLoader] = {}


def register_demo_loader(name: str, loader: DemoLoader) -> None:
    """Add (or replace, by name) a loader; call from `AppConfig.ready()`."""
    _LOADERS[name] = loader


def run_demo_loaders(clinic) -> dict:
    """Every registered loader's summary for `clinic`, loaders run by name."""
    summary: dict = {}
    for name in sorted(_LOADERS):
        summary.update(_LOADERS[name](clinic))
    return summary
