"""Visit instructions and after-session messages (issue 14 item 6), and the patient's own
view behind a valid link (item 7). A message carries the first name, a time and a link:
never a diagnosis, a drug or a questionnaire's name."""

from __future__ import annotations

import json
import re
from datetime import time, timedelta
from pathlib import Path

from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from ketamine_care import protocols
from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.models import Source
from ketamine_care.instruments.services import record_administration
from ketamine_care.patients import services as patient_services
from ketamine_care.patients.models import Patient
from ketamine_care.portal import instructions, sms
from ketamine_care.portal.models import MeasureSettings, PatientMessage
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.jobs import run_worker
from ketamine_care.testing.measure_requests import consent
from ketamine_care.testing.measures import phq9
from ketamine_care.treatment_sessions.data import __file__ as _ts_data
from ketamine_care.treatment_sessions.tests.factories import (
    activate,
    discharged_session,
    screened_session,
)

ANY_LINK = re.compile(r"https://kc\.example(/self-report/[^\s]+/)")
# Words that must never appear in a message's own text.
FORBIDDEN = ["ketamine", "esketamine", "spravato", "depress", "MDD", "PHQ", "C-SSRS", "suicid"]


def forbidden_in(text: str) -> list[str]:
    names = [load_definition(c).name for c in ("phq9", "cssrs_screener")]
    return [w for w in [*FORBIDDEN, *names] if w.lower() in text.lower()]


@override_settings(
    SITE_URL="https://kc.example", SMS_BACKEND="ketamine_care.portal.sms.LocmemBackend"
)
class VisitMessageTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.iv = activate(cls.clinic, cls.medical_director)
        cls.esketamine = activate(cls.clinic, cls.medical_director, "esketamine-trd-label")

    def setUp(self):
        cache.clear()
        sms.outbox.clear()
        Patient.objects.filter(pk=self.patient.pk).update(
            email="jamie@example.org", phone="+15555550100"
        )
        self.patient.refresh_from_db()
        patient_services.add_diagnosis(
            patient=self.patient, actor=self.prescriber, icd10_code="F33.2", label="MDD"
        )
        MeasureSettings.objects.create(
            clinic=self.clinic,
            quiet_start=time(0),
            quiet_end=time(0),
            instruments=["phq9"],
            updated_by=self.medical_director,
        )
        consent(self.patient, self.nurse, by_sms=True)

    def send(self):
        call_command("send-measures", stdout=open("/dev/null", "w"))  # noqa: SIM115
        run_worker()

    def links(self, subject: str) -> list[str]:
        found = [m for m in mail.outbox if m.subject == subject]
        return [ANY_LINK.search(m.body).group(1) for m in found]

    def test_messages_carry_only_the_first_name_a_time_and_a_link(self):
        screened_session(
            self.patient,
            self.esketamine,
            self.prescriber,
            protocol_id="esketamine-trd-label",
            scheduled_for=timezone.now() + timedelta(hours=5),
        )
        discharged_session(self.patient, self.iv, self.nurse, self.prescriber)
        self.send()
        subjects = sorted(m.subject for m in mail.outbox)
        self.assertEqual(subjects, ["A short questionnaire from your care team",
                                    "After your visit", "Your next visit"])  # fmt: skip
        for message in [*mail.outbox, *sms.outbox]:
            body = message.body
            # The link's random secret is left out: it may spell "mdd" or "phq" by chance.
            words = ANY_LINK.sub("", body) + getattr(message, "subject", "")
            self.assertEqual(forbidden_in(words), [], body)
            self.assertIn("Jamie", body)
            self.assertNotIn("Rivera", body)
            self.assertRegex(body, r"at \d\d:\d\d")
            self.assertEqual(len(ANY_LINK.findall(body)), 1)

    def test_the_visit_page_lists_the_protocols_instructions_in_plain_words(self):
        screened_session(
            self.patient,
            self.esketamine,
            self.prescriber,
            protocol_id="esketamine-trd-label",
            scheduled_for=timezone.now() + timedelta(hours=5),
        )
        self.send()
        [url] = self.links("Your next visit")
        page = self.client.get(url)
        self.assertContains(page, "Do not eat for 2 hours before your visit time.")
        self.assertContains(page, "for 30 minutes before your visit time")
        self.assertContains(page, "at least 1 hour before your visit time")
        self.assertContains(page, "until the next day, after a restful sleep")
        self.assertContains(page, 'id="upcoming-visits"')
        self.assertNotContains(page, 'id="your-scores"')  # the clinic has not allowed it

    def test_the_after_session_page_has_the_instructions_given_and_the_crisis_resources(self):
        discharged_session(self.patient, self.iv, self.nurse, self.prescriber)
        self.send()
        [url] = self.links("After your visit")
        page = self.client.get(url)
        self.assertContains(page, "Do not drive or use machinery until the next day")
        self.assertContains(page, "Go home with the person who came to collect you.")
        self.assertNotContains(page, "alcohol")  # not among the instructions given
        self.assertContains(page, "988")
        # An expired message link answers as any unusable portal link.
        PatientMessage.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.get("/self-report/m/forged/").status_code, 404)

    def test_the_patient_sees_their_scores_in_plain_words_only_when_the_clinic_allows(self):
        for days_ago, total in ((14, 18), (1, 11)):
            record_administration(
                patient=self.patient,
                instrument_code="phq9",
                answers=phq9(total),
                time_point="follow_up",
                source=Source.SELF_REPORT,
                administered_at=timezone.now() - timedelta(days=days_ago),
            )
        discharged_session(self.patient, self.iv, self.nurse, self.prescriber)
        self.send()
        [url] = self.links("After your visit")
        self.assertNotContains(self.client.get(url), "Your answers over time")
        MeasureSettings.objects.update(show_scores_to_patient=True)
        page = self.client.get(url)
        self.assertContains(page, "Your score went down from 18 to 11.")
        self.assertContains(page, "11 out of 27")

    def test_patient_words_repeat_the_protocol_numbers(self):
        checks = json.loads(_data("pre_session_checks.json"))["checks"]
        fasting = next(c for c in checks if c["key"] == "fasting")
        nasal = next(c for c in checks if c["key"] == "nasal_medication_timing")
        words = " ".join(instructions.before_visit("esketamine"))
        self.assertIn(f"{fasting['no_food_min'] // 60} hours", words)
        self.assertIn(f"{fasting['no_liquids_min']} minutes", words)
        self.assertIn(f"{nasal['min_before_min'] // 60} hour", words)
        # ... and the protocol's own administration instructions (esketamine, the label).
        library = Path(protocols.__file__).parent / "library" / "esketamine-trd-label.json"
        protocol = json.loads(library.read_text(encoding="utf-8"))
        text = " ".join(protocol["administration"]["intranasal"]["instructions"])
        for number in (">=2 h", ">=30 min", ">=1 h", "next day after restful sleep"):
            self.assertIn(number, text)
        given = json.loads(_data("discharge_instructions.json"))["instructions"]
        keys = {item["key"] for item in given}
        self.assertEqual(set(instructions.instruction_data()["after_session"]), keys)


def _data(name: str) -> str:
    return (Path(_ts_data).parent / name).read_text(encoding="utf-8")
