"""What dosing contributes to pages of the apps below it, registered in `DosingConfig.ready()`:
the chart's "Eligibility, dosing and plans" section, the remission cut-off of the patient's
protocol for the outcome summaries (`outcomes.providers`), and the label-jurisdiction form of
the clinic settings."""

from __future__ import annotations

from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.dosing.completeness import patient_plan_completeness
from ketamine_care.dosing.models import PlanStatus, TreatmentPlan
from ketamine_care.instruments.definition import load_definition
from ketamine_care.outcomes.rules import RemissionRule
from ketamine_care.protocols.queries import active_versions
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.screening.queries import eligible_protocol_id

RECENT = 5


def label_jurisdiction_section(request, clinic) -> dict:
    """The clinic settings' form for the product label the clinic follows (its own view,
    `dosing:label_jurisdiction`, checks who may change it)."""
    return {"current_clinic": clinic}


def treatment_section(request, patient) -> dict | None:
    """Screening verdicts, plans and their measurement completeness; None for roles without
    VIEW_TREATMENT. Each part reads through the same permission checks as its own screens."""
    membership = getattr(request, "membership", None)
    if not has_capability(membership, Capability.VIEW_TREATMENT):
        return None
    verdicts = list(
        ScreeningVerdict.objects.filter(patient=patient)
        .select_related("evaluated_by")
        .order_by("-evaluated_at", "-id")[:RECENT]
    )
    plans = list(
        TreatmentPlan.objects.filter(patient=patient)
        .select_related("protocol_version")
        .prefetch_related("visits")[:RECENT]
    )
    return {
        "protocols": active_versions(membership.clinic),
        # The recent verdicts shown are enough to pick the default protocol to screen for.
        "eligible_protocol": eligible_protocol_id(patient, verdicts),
        "verdicts": verdicts,
        "plans": plans,
        "completeness": patient_plan_completeness(patient, plans),
        "can_screen": has_capability(membership, Capability.SCREEN_PATIENT) and patient.is_active,
        "can_dose": has_capability(membership, Capability.CALCULATE_DOSE),
        "can_plan": has_capability(membership, Capability.PLAN_TREATMENT) and patient.is_active,
    }


_REMISSION_OPS = {"le": "<=", "lt": "<"}


def protocol_remission(patient) -> dict[str, RemissionRule]:
    """The remission cut-off of the protocol of the patient's latest plan, by instrument.

    A protocol version is the clinic's own copy, so its cut-off (e.g. MADRS <= 12 for the
    esketamine protocols, ASPIRE/SUSTAIN) overrides the instrument-wide default (<= 10).
    """
    plan = (
        TreatmentPlan.objects.filter(patient=patient)
        .exclude(status=PlanStatus.CANCELLED)
        .select_related("protocol_version")
        .order_by("-start_date", "-id")
        .first()
    )
    if plan is None:
        return {}
    definition = plan.protocol_version.parsed()
    rule = definition.outcome.remission
    if rule is None or rule.kind != "score" or rule.comparison not in _REMISSION_OPS:
        return {}
    code, op = definition.outcome.instrument, _REMISSION_OPS[rule.comparison]
    name = load_definition(code).name.split(" (")[0]
    label = f"Remission: {name} {op} {rule.value:g} ({definition.title})"
    remission = RemissionRule(
        op=op, value=rule.value, source=rule.source, evidence=rule.evidence,
        editable=rule.editable, label=label,
    )  # fmt: skip
    return {code: remission}
