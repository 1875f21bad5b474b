"""Shared set-up for the session benchmarks: a clinic with a director, a nurse and N sessions
in monitoring under iv-ketamine-trd (numbers are benchmark data, not guidance)."""

from __future__ import annotations


def monitoring_sessions(count: int, clinic_name: str, *, started_min_ago: int = 90):
    from _setup import bench_clinic_user

    from ketamine_care.accounts.models import Membership, User
    from ketamine_care.accounts.services import issue_api_token
    from ketamine_care.protocols.queries import active_version
    from ketamine_care.testing.builders import make_patient
    from ketamine_care.treatment_sessions.models import TreatmentSession
    from ketamine_care.treatment_sessions.tests.factories import activate, dosing_session

    clinic, prescriber, _ = bench_clinic_user(clinic_name, f"rx@{clinic_name.lower()}.bench")
    director = User.objects.filter(email=f"md@{clinic_name.lower()}.bench").first()
    if director is None:
        director = User.objects.create_user(f"md@{clinic_name.lower()}.bench", "pw", full_name="MD")
        Membership.objects.create(user=director, clinic=clinic, role="medical_director")
    nurse = User.objects.filter(email=f"rn@{clinic_name.lower()}.bench").first()
    if nurse is None:
        nurse = User.objects.create_user(f"rn@{clinic_name.lower()}.bench", "pw", full_name="RN")
        Membership.objects.create(user=nurse, clinic=clinic, role="nurse")
    version = active_version(clinic, "iv-ketamine-trd") or activate(clinic, director)
    existing = TreatmentSession.objects.filter(clinic=clinic, state="monitoring").count()
    for number in range(existing, count):
        patient = make_patient(clinic=clinic, actor=prescriber, family_name=f"Chair{number:02d}")
        dosing_session(
            patient,
            version,
            nurse,
            prescriber,
            started_min_ago=started_min_ago,
            chair_label=f"C{number:02d}",
            password="benchmark-password",  # the prescriber checks the dose (bench_clinic_user)
        )
    membership = Membership.objects.select_related("clinic", "user").get(user=nurse, clinic=clinic)
    sessions = list(TreatmentSession.objects.filter(clinic=clinic, state="monitoring"))
    return clinic, nurse, issue_api_token(membership=membership)[1], sessions
