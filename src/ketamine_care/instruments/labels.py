"""The clinic's words for the instruments app's audit events;
registered in the app's `ready()` (`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "administration.recorded": "Rating scale recorded",
    "administration.marked_entered_in_error": "Rating scale marked as entered in error",
}


def register() -> None:
    from ketamine_care.instruments.models import TimePoint

    core_labels.register_labels(core_labels.TIME_POINT, dict(TimePoint.choices))
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
    # Instrument codes (phq9) by their names, as the chart's link list shows them.
    from ketamine_care.instruments.definition import list_codes, load_definition

    names = {code: load_definition(code).name for code in list_codes()}
    core_labels.register_labels(core_labels.INSTRUMENT, names)
    # A screen's flag (audit_c_positive) by its words ("Positive AUDIT-C screen").
    screens = [load_definition(code).screen for code in list_codes()]
    core_labels.register_labels(
        core_labels.SCORE_FLAG, {s.flag: s.label for s in screens if s is not None}
    )
