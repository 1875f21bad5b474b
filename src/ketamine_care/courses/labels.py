"""The clinic's words for course states, recommended actions and the courses app's audit
events; registered in the app's `ready()` (`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

COURSE_STATE = "course_state"
ACTION = "course_action"

STATES = {
    "induction": "In induction",
    "non_response": "No response by the end of induction",
    "response": "Responding",
    "remission": "In remission",
    "sustained_remission": "Sustained remission",
    "loss_of_response": "Response lost",
    "relapse": "Relapse",
}
ACTIONS = {
    "continue": "Continue the current schedule",
    "extend_interval": "Space the visits further apart",
    "shorten_interval": "Bring the visits closer together",
    "return_to_previous_schedule": "Return to the previous, more frequent schedule",
    "review_for_discontinuation": "Review whether to continue treatment",
    "tolerance_review": "Review for tolerance (dose up, response down)",
}
AUDIT_EVENTS = {
    "course.recommendation_accepted": "Course recommendation accepted",
    "course.recommendation_declined": "Course recommendation declined",
}
AUDIT_FIELDS = {
    "target_every_days": "Proposed interval (days)",
    "every_days": "Interval (days)",
    "visits_moved": "Visits moved",
}


def register() -> None:
    core_labels.register_labels(COURSE_STATE, STATES)
    core_labels.register_labels(ACTION, ACTIONS)
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
    core_labels.register_labels(core_labels.AUDIT_FIELD, AUDIT_FIELDS)
