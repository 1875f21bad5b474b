"""Alerts stored by incremental evaluation (hypothesis, through `record_vitals`): whatever the
batches, their order, back-dated or out-of-order readings, and the dose recorded between two
batches, the session holds exactly the alerts that evaluating every stored reading after each
batch would have stored (the previous behaviour), and never fewer than a final evaluation of
every reading raises."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.alerts import evaluate_alerts
from ketamine_care.treatment_sessions.models import AlertCheckpoint, TreatmentSession
from ketamine_care.treatment_sessions.monitoring import (
    FIELDS,
    READING_VALUES,
    alert_anchor,
    monitoring_for,
    pure_readings,
)
from ketamine_care.treatment_sessions.services import alerting
from ketamine_care.treatment_sessions.services.alerting import HOLD, SPACING
from ketamine_care.treatment_sessions.tests.factories import activate, ago, dosing_session

# Made once, not on every draw (the same draws; Hypothesis works out each new strategy again).
SYSTOLIC = st.none() | st.sampled_from([85, 120, 145, 185, 205])
DIASTOLIC = st.sampled_from([60, 75, 95])
HEART_RATE = st.none() | st.sampled_from([45, 80, 125])
SPO2 = st.none() | st.sampled_from([88, 97])
MOAAS = st.none() | st.sampled_from([1, 5])
PART_SECOND = st.sampled_from([0, 0, 0.1, 0.3])


@st.composite
def reading(draw: st.DrawFn) -> dict:
    """Values around the shipped alert lines, at whole or part seconds within 30 minutes
    (test data). Tenths of a second put two readings in one minute."""
    systolic = draw(SYSTOLIC)
    values = {
        "bp_systolic_mmhg": systolic,
        "bp_diastolic_mmhg": min(draw(DIASTOLIC), systolic - 20) if systolic else None,
        "heart_rate_bpm": draw(HEART_RATE),
        "spo2_percent": draw(SPO2),
        "moaas": draw(MOAAS),
    }
    if all(v is None for v in values.values()):
        values["heart_rate_bpm"] = 125
    if systolic and draw(st.booleans()):
        values["symptoms"] = ["severe_headache"]
    second = draw(st.integers(0, 1800)) + draw(PART_SECOND)
    return {"second": second, **values}


class IncrementalAlertsTests(ClinicTestCase, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)
        cls.template = dosing_session(cls.patient, cls.version, cls.nurse, cls.prescriber)

    def new_session(self, *, dosed: bool) -> TreatmentSession:
        t = self.template
        return TreatmentSession.objects.create(
            clinic=t.clinic, patient=t.patient, protocol_version=t.protocol_version,
            protocol_id=t.protocol_id, drug=t.drug, route=t.route, ad_hoc_reason="test",
            scheduled_for=t.scheduled_for, state="monitoring", created_by=self.nurse,
            dose_started_at=ago(20) if dosed else None,
        )  # fmt: skip

    def full_evaluation(self, session) -> dict[tuple, tuple]:
        """Every stored reading evaluated together, as refresh_alerts did before: each alert
        by its key (rule, reading's time)."""
        rows = list(session.readings.order_by("measured_at", "id").values(*READING_VALUES))
        pure, times = pure_readings(session, rows, anchor=alert_anchor(session))
        rules = monitoring_for(session).rules
        alerts = evaluate_alerts(pure, rules, dosing_started=session.dose_started_at is not None)
        return {
            (a.rule, times[a.minute]): (
                a.tier, a.minute if session.dose_started_at else None,
                tuple(sorted((FIELDS.get(m, m), round(v, 1)) for m, v in a.observed)))
            for a in alerts
        }  # fmt: skip

    def stored(self, session) -> dict[tuple, tuple]:
        return {
            (a.rule, a.triggered_at): (a.tier, a.minute, tuple(sorted(a.observed.items())))
            for a in session.alerts.all()
        }

    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(reading(), min_size=1, max_size=24),
        st.randoms(use_true_random=False),
        st.lists(st.integers(1, 24), max_size=5),
        st.sampled_from(["dosed", "pre_dose", "dosed_between"]),
    )
    def test_any_batches_store_what_a_full_evaluation_after_each_would(
        self, items, random, cuts, dosing
    ):
        session = self.new_session(dosed=dosing == "dosed")
        start = ago(35)
        readings = [
            {
                "measured_at": start + timedelta(seconds=item.pop("second")),
                "idempotency_key": f"r{index}",
                **item,
            }
            for index, item in enumerate(items)
        ]
        if random.random() < 0.5:
            readings.sort(key=lambda r: r["measured_at"])  # in time order, cut in batches
        else:
            random.shuffle(readings)  # back-dated and out-of-order batches
        bounds = sorted({0, *(c % len(readings) for c in cuts), len(readings)})
        expected: dict[tuple, tuple] = {}
        for number, (low, high) in enumerate(zip(bounds, bounds[1:], strict=False)):
            if dosing == "dosed_between" and number == 1:
                TreatmentSession.objects.filter(pk=session.pk).update(dose_started_at=ago(25))
                session.refresh_from_db()
            batch = [dict(r) for r in readings[low:high]]
            services.record_vitals(session=session, actor=self.nurse, readings=batch)
            session.refresh_from_db()
            # A key raised before keeps its row (a dose recorded since changes its minute).
            expected = {**self.full_evaluation(session), **expected}
            self.assertEqual(self.stored(session), expected)
        self.assertTrue(set(self.full_evaluation(session)) <= set(self.stored(session)))
        self.assertEqual(session.readings.count(), len(readings))

    def test_checkpoints_are_kept_about_two_minutes_apart_and_a_late_reading_resumes_before_it(
        self,
    ):
        session = self.new_session(dosed=True)
        start = ago(30)
        for second in range(0, 20 * 60, 20):  # one reading every 20 s, one batch each
            services.record_vitals(
                session=session,
                actor=self.nurse,
                readings=[{"measured_at": start + timedelta(seconds=second), "heart_rate_bpm": 80}],
            )
        times = list(session.alert_checkpoints.values_list("through_at", flat=True))
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        self.assertTrue(all(gap >= SPACING for gap in gaps[:-1]), gaps)
        self.assertLessEqual(len(times), 20 * 60 / SPACING.total_seconds() + 1)
        # A severe BP back-dated by 10 minutes, then its repeat 5 minutes later: one alert.
        for minute in (10, 15):
            services.record_vitals(
                session=session,
                actor=self.nurse,
                readings=[{"measured_at": start + timedelta(minutes=minute, seconds=5),
                           "bp_systolic_mmhg": 186, "bp_diastolic_mmhg": 100}],
            )  # fmt: skip
        rules = set(session.alerts.values_list("rule", flat=True))
        self.assertIn("bp_above_180_110_sustained", rules)
        self.assertTrue(set(self.full_evaluation(session)) <= set(self.stored(session)))
        self.assertFalse(AlertCheckpoint.objects.filter(session=session, basis="").exists())

    def test_a_batch_a_few_seconds_late_rereads_about_hold_of_readings(self):
        """Batches every 2 s, each with a reading 5 s old and one now (a monitor whose
        batches cross): each re-reads the readings since its held checkpoint (about HOLD
        back), not since the last one kept per SPACING; the checkpoints stay about SPACING
        apart, and the alerts are a full evaluation's."""
        session = self.new_session(dosed=True)
        start, reread = ago(20), []
        counted = alerting._readings_after

        def counting(session, base):
            rows = counted(session, base)
            reread.append(len(rows))
            return rows

        with mock.patch.object(alerting, "_readings_after", counting):
            for second in range(10, 6 * 60, 2):
                now = start + timedelta(seconds=second)
                late = {"measured_at": now - timedelta(seconds=5), "heart_rate_bpm": 80}
                services.record_vitals(
                    session=session,
                    actor=self.nurse,
                    readings=[late, {"measured_at": now, "bp_systolic_mmhg": 186}],
                )
        per_batch = 2 / 2  # readings per second
        # The first batches re-read everything; afterwards about HOLD + 5 s + this batch.
        bound = (HOLD.total_seconds() + 5 + 2) * per_batch + 2
        self.assertLessEqual(max(reread[30:]), bound, reread)
        times = list(session.alert_checkpoints.values_list("through_at", flat=True))
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        self.assertTrue(all(gap >= SPACING for gap in gaps[:-2]), gaps)
        self.assertLessEqual(len(times), 6 * 60 / SPACING.total_seconds() + 3)
        self.assertEqual(self.stored(session), self.full_evaluation(session))

    def test_a_reading_in_the_minute_of_the_last_checkpoint_is_judged_with_that_minute(self):
        # A severe BP alerts; a normal one a minute later closes the episode; a severe one
        # 0.2 s after that shares its minute, so the minute breaches and nothing closed:
        # no second alert (resuming after the normal reading would raise one).
        session = self.new_session(dosed=True)
        anchor = session.dose_started_at
        first, normal = anchor + timedelta(minutes=5), anchor + timedelta(minutes=6)
        severe = {"bp_systolic_mmhg": 186, "bp_diastolic_mmhg": 100}
        for when, values in (
            (first, severe),
            (normal, {"bp_systolic_mmhg": 120, "bp_diastolic_mmhg": 75}),
            (normal + timedelta(seconds=0.2), severe),
        ):
            services.record_vitals(
                session=session, actor=self.nurse, readings=[{"measured_at": when, **values}]
            )
        once = session.alerts.filter(rule="bp_at_or_above_180_110_once")
        self.assertEqual(list(once.values_list("triggered_at", flat=True)), [first])
        self.assertEqual(self.stored(session), self.full_evaluation(session))
