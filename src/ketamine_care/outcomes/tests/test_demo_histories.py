import pytest
from django.core.management import call_command

from ketamine_care.accounts.models import Clinic
from ketamine_care.instruments.models import Administration
from ketamine_care.outcomes.models import SafetyAlert
from ketamine_care.outcomes.queries import instrument_outcomes
from ketamine_care.outcomes.rules import load_thresholds
from ketamine_care.patients.models import Patient
from ketamine_care.testing.demo_snapshot import load_demo_once


@pytest.mark.only_on("sqlite")  # the demo's database (`make demo`)
@pytest.mark.django_db
def test_demo_patients_get_response_patterns_and_one_open_alert():
    # What `demo` loads (the command itself, end to end: tests/test_demo_and_health.py).
    load_demo_once()
    count = Administration.objects.count()
    call_command("demo", "--no-serve")
    assert Administration.objects.count() == count  # idempotent
    demo = Clinic.objects.get(name="Demo Clinic")
    assert SafetyAlert.objects.filter(clinic=demo).open().count() == 1

    def madrs(mrn):
        patient = Patient.objects.get(clinic=demo, mrn=mrn)
        outcomes = instrument_outcomes(patient, load_thresholds())
        return next(o for o in outcomes if o.definition.code == "madrs").summary

    rapid, after_three, non, relapse = (madrs(f"DEMO-000{n}") for n in (1, 2, 3, 4))
    assert rapid.first_response_at < after_three.first_response_at
    assert rapid.responder and after_three.responder and not rapid.relapsed
    assert non.first_response_at is None and non.responder is False
    assert relapse.relapsed and relapse.responder is False
