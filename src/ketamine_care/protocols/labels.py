"""The clinic's words for the protocol library's codes: each protocol by its title, routes,
drugs, populations, settings, time points and phases; registered in `ProtocolsConfig.ready()`
(`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

ROUTES = {
    "iv": "intravenous",
    "im": "intramuscular",
    "sc": "subcutaneous",
    "intranasal": "intranasal",
    "oral": "oral",
}
DRUGS = {"ketamine": "Ketamine (racemic)", "esketamine": "Esketamine"}
POPULATIONS = {
    "adult": "Adults",
    "adolescent": "Adolescents",
    "older_adult": "Older adults",
    "paediatric": "Children",
}
SETTINGS = {
    "psychiatric_clinic": "Psychiatric clinic",
    "emergency_department": "Emergency department",
}
TIME_POINTS = {
    "baseline": "Baseline",
    "pre_dose": "Before the dose",
    "during": "During the session",
    "post_dose": "After the dose",
    "pre_discharge": "Before discharge",
}
PHASES = {
    "any": "Any time",
    "induction": "Acute series",
    "maintenance": "Maintenance",
    "pre_dose": "Before the dose",
    "post_dose": "After the dose",
}
AUDIT_EVENTS = {
    "protocol.activated": "Protocol activated",
    "protocol.draft_created": "Protocol draft created",
    "protocol.update_drafted": "Protocol draft made from the newer shipped definition",
    "protocol.published": "Protocol published",
    "protocol.retired": "Protocol retired",
}


def protocol_titles() -> dict[str, str]:
    """Each shipped protocol's id with its title, read from the library."""
    from ketamine_care.protocols.library import list_protocol_ids, load_definition

    return {pid: load_definition(pid).title for pid in list_protocol_ids()}


def register() -> None:
    from ketamine_care.protocols.definition_monitoring import MEASURE_WORDS

    core_labels.register_labels(core_labels.MEASURE, {k: v[0] for k, v in MEASURE_WORDS.items()})
    core_labels.register_labels(core_labels.PROTOCOL, protocol_titles())
    core_labels.register_labels(core_labels.ROUTE, ROUTES)
    core_labels.register_labels(core_labels.DRUG, DRUGS)
    core_labels.register_labels(core_labels.POPULATION, POPULATIONS)
    core_labels.register_labels(core_labels.SETTING, SETTINGS)
    core_labels.register_labels(core_labels.TIME_POINT, TIME_POINTS)
    core_labels.register_labels(core_labels.PHASE, PHASES)
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
