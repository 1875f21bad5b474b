"""Demo long-term surveillance: maintenance histories with checks due and overdue.

Three patients on the demo clinic's IV ketamine protocol get a history of past dosing
sessions (signed, each with its dose), so that the chart and the day list show surveillance:
- months of weekly maintenance, the bladder review and the exposure review overdue, the
  misuse review due, the liver tests recent;
- a new course of two sessions: every check due, never done;
- a maintenance patient whose last bladder review reported blood in the urine and a
  positive screen: two open alerts with the urology pathway.
Safe to run again: nothing is duplicated.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ketamine_care.accounts.models import User
from ketamine_care.core.clock import clinic_today
from ketamine_care.dosing.models import PlanStatus, TreatmentPlan
from ketamine_care.inventory.models import Lot
from ketamine_care.inventory.services.draws import draw_for_administration
from ketamine_care.protocols.queries import active_version
from ketamine_care.surveillance import services
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import DoseAdministration, TreatmentSession

MARK = "Demo surveillance"
DOSE_MG = Decimal("35")
DEMO_LOT = "KET-DEMO-A"  # received by demo.ledger


def make_surveillance_demo(clinic) -> dict:
    if TreatmentSession.objects.filter(clinic=clinic, ad_hoc_reason__startswith=MARK).exists():
        return {"surveillance_patients": 0}
    version = active_version(clinic, "iv-ketamine-trd")
    if version is None:
        return {"surveillance_patients": 0}
    nurse = User.objects.get(email="nurse@demo.clinic")
    prescriber = User.objects.get(email="prescriber@demo.clinic")
    plans = TreatmentPlan.objects.filter(
        patient__clinic=clinic, protocol_id="iv-ketamine-trd", status=PlanStatus.ACTIVE
    ).select_related("patient")
    # Patients with a plan first (the day list shows them), then the demo day's patients.
    dosed = TreatmentSession.objects.filter(clinic=clinic, protocol_version=version)
    candidates = [plan.patient for plan in plans.order_by("patient__mrn")]
    candidates += [s.patient for s in dosed.select_related("patient").order_by("patient__mrn")]
    patients = list(dict.fromkeys(candidates))[:3]
    today = clinic_today(clinic)
    histories = (_long_maintenance, _new_course, _bladder_alerts)
    for patient, history in zip(patients, histories, strict=False):
        patient.clinic = clinic
        history(patient, version, nurse, prescriber, today)
    return {"surveillance_patients": len(patients)}


def _sessions(patient, version, nurse, prescriber, days_ago: list[int]) -> None:
    lot = Lot.objects.select_related("product").get(clinic=patient.clinic, lot_number=DEMO_LOT)
    for days in days_ago:
        when = timezone.now() - timedelta(days=days)
        session = TreatmentSession.objects.create(
            clinic=patient.clinic,
            patient=patient,
            protocol_version=version,
            protocol_id=version.clinic_protocol.protocol_id,
            drug="ketamine",
            route="iv",
            ad_hoc_reason=f"{MARK}: maintenance history",
            scheduled_for=when,
            state=states.SIGNED,
            dose_started_at=when,
            signed_by=prescriber,
            signed_at=when + timedelta(hours=3),
            created_by=nurse,
        )
        dose = DoseAdministration.objects.create(
            session=session,
            drug="ketamine",
            product=lot.product.name,
            concentration_mg_per_ml=lot.product.strength_mg_per_ml,
            lot_number=lot.lot_number,
            expiry_date=lot.expiry_date,
            dose_mg=DOSE_MG,
            route="iv",
            given_by=nurse,
            checked_by=prescriber,
            recorded_by=nurse,
        )
        # Every demo dose draws from the demo ledger's stock, as a recorded dose does.
        dose.ledger_entry = draw_for_administration(
            lot=lot, dose_mg=DOSE_MG, devices=0, actor=nurse, administration_ref=str(dose.public_id)
        )
        dose.save(update_fields=["ledger_entry"])


def _long_maintenance(patient, version, nurse, prescriber, today) -> None:
    _sessions(patient, version, nurse, prescriber, list(range(210, 0, -7)))
    services.record_bladder_review(
        patient=patient, actor=nurse, done_on=today - timedelta(days=120),
        answers={"icsi_1": 1, "icsi_2": 1, "icsi_3": 0, "icsi_4": 0}, haematuria=False,
    )  # fmt: skip
    services.record_liver_tests(
        patient=patient, actor=nurse, done_on=today - timedelta(days=20),
        values=[
            services.LabValue("alt", Decimal("28"), "U/L", Decimal("40")),
            services.LabValue("ast", Decimal("24"), "U/L", Decimal("40")),
        ],
    )  # fmt: skip
    services.record_misuse_review(
        patient=patient, actor=prescriber, done_on=today - timedelta(days=95),
        early_requests=False, dose_escalation=False, craving=False,
    )  # fmt: skip
    services.record_cognitive_screen(
        patient=patient, actor=nurse, done_on=today - timedelta(days=30), instrument="moca",
        total=28,
    )  # fmt: skip


def _new_course(patient, version, nurse, prescriber, today) -> None:
    _sessions(patient, version, nurse, prescriber, [10, 3])


def _bladder_alerts(patient, version, nurse, prescriber, today) -> None:
    _sessions(patient, version, nurse, prescriber, list(range(120, 0, -14)))
    services.record_bladder_review(
        patient=patient, actor=nurse, done_on=today - timedelta(days=1),
        answers={"icsi_1": 3, "icsi_2": 2, "icsi_3": 1, "icsi_4": 1}, haematuria=True,
        note="Reports blood in the urine twice last week.",
    )  # fmt: skip
