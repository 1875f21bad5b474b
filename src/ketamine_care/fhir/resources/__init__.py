"""The resource types this app serves. Each module of this package that defines `register()`
registers its own types (registry.register); adding a module adds its types, so modules
written side by side never edit a shared list."""

from __future__ import annotations

import importlib
import pkgutil


def register_all() -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        loaded = importlib.import_module(f"{__name__}.{module}")
        register = getattr(loaded, "register", None)
        if callable(register):
            register()
