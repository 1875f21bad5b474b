"""The clinic's words for the export's audit events, job, file kind and progress steps
(`core.labels`, registered from the research app's `ready()`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "research_export.requested": "De-identified research export requested",
    "research_export.written": "De-identified research export written",
}
STEPS = {
    "patients": "patients (k-anonymity checked)",
    "courses": "courses",
    "sessions": "sessions",
    "doses": "doses",
    "vitals_summaries": "vital-sign summaries",
    "administrations": "rating scales",
    "item_answers": "item answers",
    "outcomes": "outcomes",
    "adverse_events": "adverse events",
    "manifest": "dictionary, README and checksums",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
    core_labels.register_labels("job", {"export.research": "De-identified research export"})
    core_labels.register_labels("export", {"research": "De-identified research export (zip)"})
    core_labels.register_labels("export_step", STEPS)
