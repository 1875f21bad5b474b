"""A day-1 questionnaire sent after a session lands in the chart's early-response table
(issue 14 item 5: "after a session, 24 h, day 7, for the early-response table")."""

from __future__ import annotations

import re
from datetime import time, timedelta

from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from ketamine_care.patients.models import Patient
from ketamine_care.portal.models import MeasureRequest, MeasureSettings
from ketamine_care.portal.tests.test_self_report import answers
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.jobs import run_worker
from ketamine_care.testing.measure_requests import consent
from ketamine_care.testing.measures import phq9, record
from ketamine_care.treatment_sessions.models import TreatmentSession
from ketamine_care.treatment_sessions.tests.factories import activate, discharged_session

LINK = re.compile(r"https://kc\.example(/self-report/[^\s]+/)")


@override_settings(SITE_URL="https://kc.example")
class ScheduledEarlyResponseTests(ClinicTestCase):
    def test_the_day_1_answer_fills_the_24_hour_column(self):
        cache.clear()
        Patient.objects.filter(pk=self.patient.pk).update(email="jamie@example.org")
        MeasureSettings.objects.create(
            clinic=self.clinic, quiet_start=time(0), quiet_end=time(0), instruments=["phq9"],
            updated_by=self.medical_director,
        )  # fmt: skip
        consent(self.patient, self.nurse)
        version = activate(self.clinic, self.medical_director)
        session = discharged_session(self.patient, version, self.nurse, self.prescriber)
        dosed = timezone.now() - timedelta(hours=20)
        TreatmentSession.objects.filter(pk=session.pk).update(
            dose_started_at=dosed, discharged_at=dosed + timedelta(hours=2)
        )
        record(self.patient, self.nurse, "phq9", phq9(20), days_ago=20 / 24 + 0.05)
        call_command("send-measures", stdout=open("/dev/null", "w"))  # noqa: SIM115
        run_worker()
        request = MeasureRequest.objects.get(kind="after_session_1d")
        [message] = [m for m in mail.outbox if "questionnaire" in m.subject]
        url = LINK.search(message.body).group(1)
        self.client.post(url, answers("phq9", phq9(8)))
        request.refresh_from_db()
        self.assertEqual(request.state_at(timezone.now()), "completed")
        chart = self.client_for(self.nurse).get(f"/patients/{self.patient.public_id}/")
        table = chart.content.decode().split('id="early-response"')[1].split("</table>")[0]
        self.assertIn("8 <span", table)
        self.assertIn("response", table)
