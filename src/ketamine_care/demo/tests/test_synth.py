"""`ketamine-care synth`: valid rows with the app's invariants, the demo's response patterns,
the same rows for the same seed, and a refusal to touch a database with real patients."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.test import TestCase

from ketamine_care.accounts.models import Clinic
from ketamine_care.audit.models import AuditEvent
from ketamine_care.demo.models import SyntheticDataset
from ketamine_care.demo.synth.batch import Batch, reserve
from ketamine_care.demo.synth.context import prepare
from ketamine_care.demo.synth.run import _run, generate, render_batch, synthesize
from ketamine_care.dosing.models import PlannedVisit, TreatmentPlan
from ketamine_care.instruments.models import Administration
from ketamine_care.inventory.models import LedgerEntry, Lot
from ketamine_care.patients.models import BodyMeasurement, Diagnosis, Patient
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.treatment_sessions.alerts import evaluate_alerts
from ketamine_care.treatment_sessions.models import (
    DischargeAssessment,
    DoseAdministration,
    PreSessionChecks,
    RemsMonitoringForm,
    SessionAlert,
    TreatmentSession,
    VitalSignsReading,
)
from ketamine_care.treatment_sessions.monitoring import (
    READING_VALUES,
    monitoring_for,
    pure_readings,
)

PATIENTS = 30


class SyntheticDataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.dataset = synthesize(patients=PATIENTS, seed=7, batch_size=12)

    def test_marks_the_database_and_audits_the_run_once(self):
        self.assertEqual(SyntheticDataset.objects.get().patients, PATIENTS)
        self.assertIsNotNone(self.dataset.completed_at)
        event = AuditEvent.objects.get(event_type="synthetic_data.loaded")
        self.assertEqual(event.changes["seed"], 7)
        self.assertEqual(event.changes["rows"]["patients.Patient"], PATIENTS)
        self.assertIsNone(event.actor_id)

    def test_a_sample_of_every_table_passes_full_clean(self):
        for model in (
            Patient, Diagnosis, BodyMeasurement, ScreeningVerdict, TreatmentPlan, PlannedVisit,
            TreatmentSession, PreSessionChecks, DoseAdministration, VitalSignsReading,
            DischargeAssessment, RemsMonitoringForm, SessionAlert, Administration, Lot,
        ):  # fmt: skip
            rows = list(model.objects.order_by("id")[:5])
            self.assertTrue(rows, model.__name__)
            for row in rows:
                row.full_clean(exclude=_empty_by_design(row))

    def test_identifiers_are_unique_and_synthetic(self):
        mrns = list(Patient.objects.values_list("mrn", flat=True))
        self.assertEqual(len(set(mrns)), PATIENTS)
        self.assertTrue(all(m.startswith("SYN-") for m in mrns))
        self.assertTrue(
            all(p.startswith("555-01") for p in Patient.objects.values_list("phone", flat=True))
        )

    def test_every_signed_session_has_its_records(self):
        sessions = TreatmentSession.objects.annotate(
            readings_count=Count("readings", distinct=True),
            doses_count=Count("doses", distinct=True),
        )
        self.assertTrue(sessions.exists())
        for session in sessions:
            self.assertEqual(session.state, "signed")
            self.assertEqual(session.readings_count, 3)
            self.assertEqual(session.doses_count, 1)
            self.assertTrue(PreSessionChecks.objects.filter(session=session).exists())
            self.assertTrue(DischargeAssessment.objects.filter(session=session).exists())
            self.assertEqual(
                RemsMonitoringForm.objects.filter(session=session).exists(),
                session.drug == "esketamine",
            )
            self.assertLess(session.planned_visit.date, date.today())
            self.assertEqual(session.planned_visit.plan.patient_id, session.patient_id)

    def test_every_dose_is_drawn_from_a_lot_and_the_ledger_balances(self):
        for dose in DoseAdministration.objects.select_related("ledger_entry__lot"):
            entry = dose.ledger_entry
            self.assertEqual(entry.kind, "draw")
            self.assertEqual(entry.administration_ref, str(dose.public_id))
            self.assertEqual(entry.lot.lot_number, dose.lot_number)
            self.assertLessEqual(dose.session.dose_started_at.date(), entry.lot.expiry_date)
        for lot in Lot.objects.all():
            entries = list(LedgerEntry.objects.filter(lot=lot).order_by("created_at", "id"))
            self.assertEqual(entries[0].kind, "receipt")
            balance = 0
            for entry in entries:
                balance += entry.delta
                self.assertEqual(entry.balance_after, balance)
            self.assertEqual(lot.balance, balance)
            self.assertGreaterEqual(lot.balance, 0)

    def test_alerts_are_what_the_evaluator_raises(self):
        for session in TreatmentSession.objects.select_related(
            "protocol_version", "patient", "clinic"
        ):
            rows = list(session.readings.order_by("measured_at").values(*READING_VALUES))
            readings, times = pure_readings(session, rows)
            expected = {
                (a.rule, times[a.minute])
                for a in evaluate_alerts(readings, monitoring_for(session).rules)
            }
            stored = set(session.alerts.values_list("rule", "triggered_at"))
            self.assertEqual(stored, expected)
            self.assertFalse(session.alerts.filter(acknowledged_at__isnull=True).exists())

    def test_doses_and_screenings_are_the_app_s_own_computations(self):
        from ketamine_care.treatment_sessions.services.session_dose import todays_dose

        for checks in PreSessionChecks.objects.select_related("session__patient")[:10]:
            self.assertEqual(
                checks.calculated_dose["dose_mg"], float(checks.session.doses.get().dose_mg)
            )
        self.assertFalse(
            ScreeningVerdict.objects.filter(
                verdict="ineligible", patient__treatment_plans__isnull=False
            ).exists()
        )
        self.assertTrue(callable(todays_dose))

    def test_a_second_run_on_a_synthetic_database_is_allowed(self):
        call_command("synth", "--patients", "3", "--seed", "8", verbosity=0)
        self.assertEqual(SyntheticDataset.objects.count(), 2)
        self.assertEqual(Patient.objects.count(), PATIENTS + 3)


def _empty_by_design(row) -> list[str]:
    """Fields without blank=True that the services themselves leave empty (no override yet,
    a plan without warnings): full_clean would ask a form to fill them."""
    return [
        f.name
        for f in row._meta.concrete_fields
        if not f.blank and getattr(row, f.attname) in f.empty_values
    ]


class PatternTests(TestCase):
    """The MADRS trajectories follow each drawn response pattern."""

    def test_trajectories_follow_the_patterns(self):
        clinic = Clinic.objects.create(name="Synthetic Clinic")
        dataset = SyntheticDataset.objects.create(clinic=clinic, seed=3, patients=200)
        run = _run(prepare(clinic.name), 3, dataset.pk)
        batch = Batch()
        batch.start_at(reserve(run.ids, 200))
        tables = generate(run, 0, 0, 200, batch).tables
        scores: dict[int, list] = {}
        for row in tables[Administration].rows:
            if row["instrument_code"] == "madrs":
                scores.setdefault(row["patient_id"], []).append(row)
        patients = {row["mrn"]: row["id"] for row in tables[Patient].rows}
        seen = Counter()
        for d in batch.draws:
            history = scores.get(patients[f"SYN-{dataset.pk:03d}-{d.number:07d}"])
            if d.journey != "course" or not history:
                continue
            seen[d.pattern] += 1
            self._check(d, history)
        self.assertEqual(
            set(seen),
            {"rapid_responder", "responds_after_three", "non_responder", "relapses_after_series"},
        )

    def _check(self, d, history):
        baseline = next(r["total"] for r in history if r["time_point"] == "baseline")
        day = {
            r["follow_up_day"]: r["total"] / baseline
            for r in history
            if r["time_point"] == "follow_up"
        }
        if d.pattern == "rapid_responder":
            self.assertLessEqual(day[0], 0.6)
            self.assertLessEqual(day[1], 0.55)
        elif d.pattern == "non_responder":
            self.assertTrue(all(r["total"] >= 0.7 * baseline for r in history))
        elif d.pattern == "responds_after_three":
            self.assertGreaterEqual(day[1], 0.75)
        elif 28 in day:  # relapses after the series
            self.assertLessEqual(day[1], 0.6)
            self.assertGreaterEqual(day[28], 0.7)


class DeterminismTests(TestCase):
    def test_the_same_seed_and_ids_give_the_same_rows(self):
        clinic = Clinic.objects.create(name="Synthetic Clinic")
        dataset = SyntheticDataset.objects.create(clinic=clinic, seed=5, patients=20)
        run = _run(prepare(clinic.name), 5, dataset.pk)
        bases = reserve(run.ids, 20)
        first = {m: _rows(t) for m, t in render_batch(run, 0, 0, 20, bases)}
        again = _run(prepare(clinic.name), 5, dataset.pk)
        second = {m: _rows(t) for m, t in render_batch(again, 0, 0, 20, bases)}
        self.assertEqual(first, second)
        other = _run(prepare(clinic.name), 6, dataset.pk)
        third = {m: _rows(t) for m, t in render_batch(other, 0, 0, 20, bases)}
        self.assertNotEqual(first[Patient], third[Patient])


def _rows(table):
    """A generated table's rows: COPY text on PostgreSQL, value tuples on SQLite."""
    return table if isinstance(table, tuple) else table.tuples()


class RefusalTests(TestCase):
    def test_refuses_a_database_with_patients_it_did_not_make(self):
        clinic = Clinic.objects.create(name="Real Clinic")
        Patient.objects.create(
            clinic=clinic, mrn="R1", given_name="A", family_name="B",
            date_of_birth=date(1980, 1, 1), sex="female",
        )  # fmt: skip
        with self.assertRaises(CommandError) as caught:
            call_command("synth", "--patients", "5", "--seed", "1", verbosity=0)
        self.assertEqual(caught.exception.returncode, 2)
        self.assertIn(
            "holds 1 patient(s) in clinics that no synthetic run created", str(caught.exception)
        )
        self.assertFalse(SyntheticDataset.objects.exists())
        self.assertEqual(Patient.objects.count(), 1)


@pytest.mark.only_on("postgresql")
@pytest.mark.django_db(transaction=True)
def test_copy_path_with_workers_and_server_copies_loads_valid_rows(
    _audit_guard_lifted_for_flush, monkeypatch
):
    """COPY from worker processes for the pool, then batches copied by the server: every
    reference resolves, the ledger balances, and the copied course summaries are what
    `refresh_summaries` computes."""
    from django.db import connection

    from ketamine_care.demo.synth import replicate
    from ketamine_care.registry.models import CourseSummary
    from ketamine_care.registry.services import refresh_summaries

    monkeypatch.setattr(replicate, "POOL", 10)
    dataset = synthesize(patients=40, seed=11, batch_size=5, workers=2)
    assert dataset.timings.get("copy", 0) > 0
    assert Patient.objects.filter(clinic=dataset.clinic).count() == 40
    assert len(set(Patient.objects.values_list("mrn", flat=True))) == 40
    _references_resolve(connection)
    sessions = TreatmentSession.objects.annotate(n=Count("readings"))
    assert sessions.exists() and all(s.n == 3 for s in sessions)
    for lot in Lot.objects.all():
        total = LedgerEntry.objects.filter(lot=lot).aggregate(s=Sum("delta"))["s"]
        assert lot.balance == total
    for dose in DoseAdministration.objects.select_related("ledger_entry__lot", "session"):
        assert dose.ledger_entry.administration_ref == str(dose.public_id)
        assert dose.ledger_entry.lot.lot_number == dose.lot_number
        assert dose.session.signed_summary["dose"]["line"].endswith(f"lot {dose.lot_number}")
    copied = _summaries(CourseSummary)
    assert len(copied) == TreatmentPlan.objects.count() > 0
    bins = _dose_bins()
    assert bins, "the copied courses have their mg/kg dose bins for the registry's cube"
    refresh_summaries(clinic=dataset.clinic)
    assert _summaries(CourseSummary) == copied
    assert _dose_bins() == bins
    # A baseline before the first session's day and a MADRS after it: measurement
    # completeness counts every course under way, so the registry has figures to show.
    under_way = CourseSummary.objects.filter(sessions__gte=2)
    assert under_way.exists()
    assert list(under_way.filter(analysable=False).values_list("plan_id", flat=True)) == []


def _dose_bins() -> list:
    from ketamine_care.registry.models import CourseDoseBin

    return sorted(CourseDoseBin.objects.values_list("summary__plan_id", "bin", "doses"))


def _summaries(model) -> dict:
    skip = {"id", "refreshed_at"}
    return {
        row["plan_id"]: {k: v for k, v in row.items() if k not in skip}
        for row in model.objects.values()
    }


def _references_resolve(connection) -> None:
    from ketamine_care.demo.synth.replicate import MODELS

    with connection.cursor() as cursor:
        for model in MODELS:
            for field in model._meta.concrete_fields:
                if not field.is_relation:
                    continue
                parent = field.related_model._meta.db_table
                cursor.execute(
                    f'SELECT count(*) FROM "{model._meta.db_table}" c LEFT JOIN "{parent}" p '
                    f'ON p.id = c."{field.column}" WHERE c."{field.column}" IS NOT NULL '
                    "AND p.id IS NULL"
                )
                assert cursor.fetchone()[0] == 0, (model.__name__, field.name)


def test_the_progress_line_counts_batches_then_names_the_index_being_built(capsys):
    from ketamine_care.demo.management.commands.synth import _Progress

    progress = _Progress(0.0, quiet=False)
    progress(2000, 10000, {"patients.Patient": 2000, "treatment_sessions.TreatmentSession": 900})
    progress.stage("building indexes and constraints: 3/171 (patient_family_trgm)")
    progress.done()
    err = capsys.readouterr().err
    assert "\rsynth: 2000/10000 patients (20 %), 2900 rows" in err
    assert "\rsynth: building indexes and constraints: 3/171 (patient_family_trgm)" in err
    assert err.endswith("\n")
    quiet = _Progress(0.0, quiet=True)
    quiet(1, 2, {})
    quiet.stage("building")
    assert capsys.readouterr().err == ""
