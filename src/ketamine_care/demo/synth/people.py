"""The patient-level rows of a synthetic patient: the registration with a synthetic name and
MRN, the diagnosis, and for a patient who was screened a current medication, a weighing and
the screening verdict of a clear workup for the course's protocol (overridden and co-signed when the
verdict asks for it, as a prescriber and the medical director would)."""

from __future__ import annotations

from datetime import timedelta

from ketamine_care.demo.synth import catalogue
from ketamine_care.demo.synth.batch import ACTIVE, Batch, Draw, local, public_id
from ketamine_care.patients.models import (
    BodyMeasurement,
    Diagnosis,
    Medication,
    Patient,
    ResearchConsent,
)
from ketamine_care.screening.models import ScreeningVerdict

OVERRIDE_REASON = "Benefit outweighs the risk after review of the workup (synthetic data)."


def patient_rows(batch: Batch, run, d: Draw, rng) -> dict:
    """The patient, diagnosis, medication and weighing; the patient row."""
    ctx = run.ctx
    registered = local(ctx.zone, d.start - timedelta(days=rng.randint(7, 28)), 600)
    mrn = f"SYN-{run.dataset:03d}-{d.number:07d}"
    born = d.start - timedelta(days=d.age * 365 + rng.randint(0, 364))
    patient = batch.add(
        Patient,
        public_id=public_id(rng),
        created_at=registered,
        updated_at=registered,
        clinic_id=ctx.clinic.pk,
        mrn=mrn,
        given_name=d.given,
        family_name=d.family,
        date_of_birth=born,
        sex=d.sex,
        phone=f"555-01{d.number % 100:02d}",
        email="",
        given_name_search=d.given.lower(),
        family_name_search=d.family.lower(),
        mrn_search=mrn.lower(),
        nkda_recorded_at=None,
        nkda_recorded_by_id=None,
        **ACTIVE,
    )
    day = registered.date()
    patient["age"] = day.year - born.year - int((day.month, day.day) < (born.month, born.day))
    prescriber = ctx.staff["prescriber"]
    child = {"patient_id": patient["id"], "created_at": registered, "updated_at": registered,
             "recorded_by_id": prescriber, **ACTIVE}  # fmt: skip
    batch.add(
        Diagnosis, public_id=public_id(rng), icd10_code=d.code, label=d.label,
        onset_date=d.start.replace(day=1) - timedelta(days=365 * rng.randint(1, 15)),
        clinical_status="active", **child,
    )  # fmt: skip
    if d.consent:
        _consent(batch, run, d, patient, registered, rng)
    if d.journey == "registered":  # an enquiry or consultation: the diagnosis only
        return patient
    name, dose, unit, frequency, drug_class = d.medication
    batch.add(
        Medication, public_id=public_id(rng), name=name, dose=dose, dose_unit=unit,
        frequency=frequency, drug_class=drug_class, **child,
    )  # fmt: skip
    patient["measurement"] = batch.add(
        BodyMeasurement, public_id=public_id(rng), measured_at=registered,
        weight_kg=d.body[0], height_cm=d.body[1], entered_unit="metric", **child,
    )  # fmt: skip
    return patient


def _consent(batch: Batch, run, d: Draw, patient: dict, registered, rng) -> None:
    """Research consent given at registration (`record_research_consent` keeps a row per
    change); now and then withdrawn later, before today."""
    changes = [("given", registered + timedelta(minutes=15))]
    later = registered + timedelta(days=rng.randint(30, 400))
    if d.withdrawn and later.date() < run.ctx.today:
        changes.append(("withdrawn", later))
    for status, at in changes:
        batch.add(
            ResearchConsent, public_id=public_id(rng), patient_id=patient["id"], status=status,
            recorded_at=at, consent_text_version=catalogue.CONSENT_TEXT_VERSION,
            recorded_by_id=run.ctx.staff["prescriber"], created_at=at,
        )  # fmt: skip


def verdict_row(batch: Batch, run, d: Draw, patient: dict, rng) -> dict | None:
    """The screening verdict; None when it does not permit treatment."""
    ctx = run.ctx
    facts, result, verdict, allowed, version, digest, permits = run.clinical.screening(
        d.protocol, patient["age"], d.sex, d.code, (d.medication[0:1] + d.medication[4:5],), d.body
    )
    at = patient["created_at"] + timedelta(minutes=30)
    override = verdict == "requires_override" and allowed
    row = batch.add(
        ScreeningVerdict,
        public_id=public_id(rng),
        created_at=at,
        updated_at=at,
        patient_id=patient["id"],
        protocol_version_id=ctx.versions[d.protocol].pk,
        protocol_id=d.protocol,
        facts=facts,
        result=result,
        verdict=verdict,
        override_allowed=allowed,
        rule_set_version=version,
        rule_set_digest=digest,
        evaluated_by_id=ctx.staff["prescriber"],
        evaluated_at=at,
        override_reason=OVERRIDE_REASON if override else "",
        overridden_by_id=ctx.staff["prescriber"] if override else None,
        overridden_at=at + timedelta(minutes=5) if override else None,
        cosigned_by_id=ctx.staff["medical_director"] if override else None,
        cosigned_at=at + timedelta(hours=2) if override else None,
        cosign_note="Reviewed; agree." if override else "",
    )
    return row if permits or override else None
