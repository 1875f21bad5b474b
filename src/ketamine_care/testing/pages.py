"""The main pages of the clinic day, for tests that walk every page as every role (unique
element ids, accessibility): built from the demo data (`demo.data.load_demo`)."""

from __future__ import annotations

from django.urls import reverse

from ketamine_care.accounts.models import Clinic, Membership, Role
from ketamine_care.demo.data import DEMO_CLINIC
from ketamine_care.dosing.models import TreatmentPlan
from ketamine_care.treatment_sessions.models import TreatmentSession

# Sessions in these states show the most panels (checks, dose, vitals, alerts, discharge).
RICH_STATES = ("monitoring", "dosing", "ready_for_discharge", "pre_assessment", "checked_in")


def main_pages() -> list[tuple[str, str]]:
    """(name, url) of the main pages in the demo clinic; a role that may not see one gets 403."""
    clinic = Clinic.objects.get(name=DEMO_CLINIC)
    sessions = TreatmentSession.objects.filter(clinic=clinic)
    session = next(
        (s for state in RICH_STATES for s in sessions.filter(state=state)[:1]), sessions.first()
    )
    patient = session.patient
    nurse = Membership.objects.select_related("user").filter(clinic=clinic, role=Role.NURSE)[0]
    plan = TreatmentPlan.objects.filter(patient=patient).first()
    pages = [
        ("patient list", reverse("patients:list")),
        ("chart", reverse("patients:chart", args=[patient.public_id])),
        ("session", reverse("treatment_sessions:detail", args=[session.public_id])),
        ("floor", reverse("treatment_sessions:floor")),
        ("check-in", reverse("treatment_sessions:check_in_list")),
        ("safety alerts", reverse("outcomes:alerts")),
        ("protocols", reverse("protocols:library")),
        ("protocol", reverse("protocols:detail", args=["iv-ketamine-trd"])),
        ("protocol edit", reverse("protocols:new_draft", args=["iv-ketamine-trd"])),
        ("day list", reverse("dosing:day")),
        ("dose calculator", reverse("dosing:dose", args=[patient.public_id])),
        ("inventory", reverse("inventory:ledger")),
        ("audit", reverse("audit:list")),
        ("to sign", reverse("treatment_sessions:to_sign")),
        ("administration", reverse("accounts:administration")),
        ("invite", reverse("accounts:invite")),
        ("clinic settings", reverse("accounts:clinic_settings")),
        ("person", reverse("accounts:member", args=[nurse.user.public_id])),
        ("cohort research", reverse("research:workspace")),
        ("outcomes", reverse("registry:dashboard")),
        ("register patient", reverse("patients:register")),
    ]
    if plan is not None:
        pages.append(("plan", reverse("dosing:plan", args=[patient.public_id, plan.public_id])))
    return pages
