"""The shipped protocol library: one JSON definition per protocol id (pure; no Django).

Definitions are package data next to this file (`<id>.json`), validated by
`ProtocolDefinition` on first load and cached, so callers may share the frozen objects.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from ketamine_care.protocols.definition import ProtocolDefinition


class UnknownProtocol(KeyError):
    """No shipped definition has this id; `valid_ids` lists the ones that exist."""

    def __init__(self, protocol_id: str, valid_ids: list[str]) -> None:
        super().__init__(protocol_id)
        self.protocol_id = protocol_id
        self.valid_ids = valid_ids

    def __str__(self) -> str:
        return f"unknown protocol {self.protocol_id!r}; valid ids: {', '.join(self.valid_ids)}"


def _library_files() -> dict[str, Traversable]:
    root = resources.files(__name__)
    return {
        entry.name.removesuffix(".json"): entry
        for entry in root.iterdir()
        if entry.name.endswith(".json")
    }


def list_protocol_ids() -> list[str]:
    """Ids of every shipped protocol, sorted."""
    return list(_ids())


@cache
def _ids() -> tuple[str, ...]:
    return tuple(sorted(_library_files()))


def load_definition(protocol_id: str) -> ProtocolDefinition:
    """Load and validate the shipped definition `protocol_id` (cached).

    Raises `UnknownProtocol` (a KeyError) naming the valid ids when there is no such file.
    """
    return _load_cached(protocol_id)


@cache
def _load_cached(protocol_id: str) -> ProtocolDefinition:
    files = _library_files()
    if protocol_id not in files:
        raise UnknownProtocol(protocol_id, sorted(files))
    data = json.loads(files[protocol_id].read_text(encoding="utf-8"))
    definition = ProtocolDefinition.model_validate(data)
    if definition.id != protocol_id:
        raise ValueError(f"{protocol_id}.json declares id {definition.id!r}")
    check_shipped(definition)
    return definition


def check_shipped(definition: ProtocolDefinition) -> None:
    """Rules a shipped definition keeps beyond the schema (which also reads the clinics'
    stored copies, so it cannot refuse what an older copy holds). Raises ValueError."""
    if definition.monitoring.vitals_cadence.after_span_without_interval:
        raise ValueError(
            f"{definition.id}: monitoring.vitals_cadence gives after_for_min without "
            "after_every_min, so no reading after the infusion could be overdue"
        )


def parse_definition(data: dict) -> ProtocolDefinition:
    """Validate a definition held elsewhere (e.g. a clinic's edited copy in the database)."""
    return ProtocolDefinition.model_validate(data)
