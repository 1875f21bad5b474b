"""The treatment-session state machine as a table (pure; no Django).

scheduled -> checked_in -> pre_assessment -> dosing -> monitoring -> ready_for_discharge
-> discharged -> signed. `cancelled` and `aborted` (both with a reason) are reachable from
every state before signing; `signed`, `cancelled` and `aborted` are final.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEDULED = "scheduled"
CHECKED_IN = "checked_in"
PRE_ASSESSMENT = "pre_assessment"
DOSING = "dosing"
MONITORING = "monitoring"
READY_FOR_DISCHARGE = "ready_for_discharge"
DISCHARGED = "discharged"
SIGNED = "signed"
CANCELLED = "cancelled"
ABORTED = "aborted"

LIFECYCLE: tuple[str, ...] = (
    SCHEDULED,
    CHECKED_IN,
    PRE_ASSESSMENT,
    DOSING,
    MONITORING,
    READY_FOR_DISCHARGE,
    DISCHARGED,
    SIGNED,
)
STATES: tuple[str, ...] = (*LIFECYCLE, CANCELLED, ABORTED)
FINAL: frozenset[str] = frozenset({SIGNED, CANCELLED, ABORTED})
# The chairs of the floor view: patients in the building and not yet discharged.
ACTIVE: frozenset[str] = frozenset(
    {CHECKED_IN, PRE_ASSESSMENT, DOSING, MONITORING, READY_FOR_DISCHARGE}
)
NEEDS_REASON: frozenset[str] = frozenset({CANCELLED, ABORTED})

LABELS: dict[str, str] = {
    SCHEDULED: "Scheduled",
    CHECKED_IN: "Checked in",
    PRE_ASSESSMENT: "Pre-assessment",
    DOSING: "Dosing",
    MONITORING: "Monitoring",
    READY_FOR_DISCHARGE: "Ready for discharge",
    DISCHARGED: "Discharged",
    SIGNED: "Signed",
    CANCELLED: "Cancelled",
    ABORTED: "Aborted",
}

# The button that moves a session into each state, as a verb (the state names what it is).
ACTIONS: dict[str, str] = {
    CHECKED_IN: "Check in",
    PRE_ASSESSMENT: "Start pre-assessment",
    DOSING: "Start dosing",
    MONITORING: "Start monitoring",
    READY_FOR_DISCHARGE: "Mark ready for discharge",
    DISCHARGED: "Discharge",
    SIGNED: "Sign note…",
    CANCELLED: "Cancel session",
    ABORTED: "Abort session",
}
# States whose page still has a running clock and takes readings.
CLOCK_RUNNING: frozenset[str] = frozenset({DOSING, MONITORING, READY_FOR_DISCHARGE})

TRANSITIONS: dict[str, frozenset[str]] = {
    state: frozenset({LIFECYCLE[i + 1], CANCELLED, ABORTED})
    for i, state in enumerate(LIFECYCLE[:-1])
}
TRANSITIONS.update({state: frozenset() for state in FINAL})

# Audit event type and timestamp field for each target state.
EVENTS: dict[str, str] = {
    CHECKED_IN: "session.checked_in",
    PRE_ASSESSMENT: "session.pre_assessment_started",
    DOSING: "session.dosing_started",
    MONITORING: "session.monitoring_started",
    READY_FOR_DISCHARGE: "session.ready_for_discharge",
    DISCHARGED: "session.discharged",
    SIGNED: "session.signed",
    CANCELLED: "session.cancelled",
    ABORTED: "session.aborted",
}
TIMESTAMP_FIELDS: dict[str, str] = {
    CHECKED_IN: "checked_in_at",
    PRE_ASSESSMENT: "pre_assessment_at",
    DOSING: "dosing_at",
    MONITORING: "monitoring_at",
    READY_FOR_DISCHARGE: "ready_for_discharge_at",
    DISCHARGED: "discharged_at",
    SIGNED: "signed_at",
    CANCELLED: "cancelled_at",
    ABORTED: "aborted_at",
}


@dataclass(frozen=True)
class TransitionCheck:
    """`allowed` with an empty `message`, or refused with a message a nurse can act on."""

    allowed: bool
    message: str = ""


def check_transition(current: str, target: str) -> TransitionCheck:
    """Whether a session in `current` may move to `target` (unknown states are refused)."""
    if current not in TRANSITIONS or target not in TRANSITIONS:
        return TransitionCheck(False, f"Unknown session state {target!r}.")
    if target in TRANSITIONS[current]:
        return TransitionCheck(True)
    if current in FINAL:
        return TransitionCheck(
            False,
            f"The session is {LABELS[current].lower()}; it cannot become {LABELS[target].lower()}.",
        )
    allowed = sorted(TRANSITIONS[current], key=STATES.index)
    return TransitionCheck(
        False,
        f"A session that is {LABELS[current].lower()} cannot become {LABELS[target].lower()}; "
        f"next: {', '.join(LABELS[s].lower() for s in allowed)}.",
    )
