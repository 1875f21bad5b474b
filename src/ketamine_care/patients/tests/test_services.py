from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from ketamine_care.audit.models import AuditEvent
from ketamine_care.core.errors import Conflict, StateError, ValidationFailed
from ketamine_care.patients import services
from ketamine_care.patients.models import BodyMeasurement, Patient
from ketamine_care.patients.queries import search_patients
from ketamine_care.testing.base import ClinicTestCase


class RegisterPatientTests(ClinicTestCase):
    def register(self, **overrides):
        values = {
            "mrn": "A-100",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "date_of_birth": date(1990, 1, 2),
            "sex": "female",
        }
        values.update(overrides)
        return services.register_patient(clinic=self.clinic, actor=self.nurse, **values)

    def test_it_registers_and_audits_in_one_step(self):
        patient = self.register()
        event = AuditEvent.objects.get(event_type="patient.registered", patient=patient)
        self.assertEqual(event.actor, self.nurse)
        self.assertEqual(event.changes["new"]["mrn"], "A-100")
        self.assertEqual(event.clinic, self.clinic)

    def test_it_refuses_a_duplicate_mrn_in_the_clinic_naming_the_field(self):
        self.register()
        with self.assertRaises(Conflict) as caught:
            self.register(mrn="a-100", given_name="Other")
        self.assertIn("mrn", caught.exception.fields)
        self.assertEqual(Patient.objects.filter(mrn_search="a-100").count(), 1)

    def test_the_same_mrn_is_allowed_in_another_clinic(self):
        self.register()
        other = services.register_patient(
            clinic=self.other_clinic,
            actor=self.outsider,
            mrn="A-100",
            given_name="B",
            family_name="C",
            date_of_birth=date(1980, 1, 1),
            sex="male",
        )
        self.assertEqual(other.clinic, self.other_clinic)

    def test_it_refuses_a_future_date_of_birth_and_saves_nothing(self):
        before = AuditEvent.objects.count()
        with self.assertRaises(ValidationFailed) as caught:
            self.register(date_of_birth=timezone.localdate() + timedelta(days=1))
        self.assertIn("date_of_birth", caught.exception.fields)
        self.assertFalse(Patient.objects.filter(mrn="A-100").exists())
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_it_names_every_missing_required_field(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.register_patient(
                clinic=self.clinic,
                actor=self.nurse,
                mrn=" ",
                given_name="",
                family_name="X",
                date_of_birth=date(1990, 1, 1),
                sex="alien",
            )
        self.assertEqual(set(caught.exception.fields), {"mrn", "given_name", "sex"})


class UpdateDemographicsTests(ClinicTestCase):
    def test_it_audits_old_and_new_values_of_changed_fields_only(self):
        services.update_demographics(
            patient=self.patient, actor=self.nurse, family_name="Smith", given_name="Jamie"
        )
        event = AuditEvent.objects.get(event_type="patient.demographics_changed")
        self.assertEqual(
            event.changes, {"old": {"family_name": "Rivera"}, "new": {"family_name": "Smith"}}
        )
        self.assertEqual(search_patients(self.clinic, "smi").get(), self.patient)

    def test_it_refuses_an_mrn_used_by_another_patient(self):
        other = services.register_patient(
            clinic=self.clinic,
            actor=self.nurse,
            mrn="TAKEN",
            given_name="A",
            family_name="B",
            date_of_birth=date(1970, 1, 1),
            sex="male",
        )
        with self.assertRaises(Conflict):
            services.update_demographics(patient=self.patient, actor=self.nurse, mrn=other.mrn)
        self.patient.refresh_from_db()
        self.assertNotEqual(self.patient.mrn, "TAKEN")

    def test_fields_left_as_none_keep_their_stored_values_and_blank_clears_the_phone(self):
        services.update_demographics(patient=self.patient, actor=self.nurse, phone="555-0199")
        kept = {f: getattr(self.patient, f) for f in ("mrn", "given_name", "date_of_birth")}
        services.update_demographics(patient=self.patient, actor=self.nurse, phone="")
        self.patient.refresh_from_db()
        self.assertEqual(self.patient.phone, "")
        self.assertEqual({f: getattr(self.patient, f) for f in kept}, kept)

    def test_it_names_a_blank_name_a_future_birth_and_an_unknown_sex_and_saves_nothing(self):
        tomorrow = timezone.localdate() + timedelta(days=1)
        with self.assertRaises(ValidationFailed) as caught:
            services.update_demographics(
                patient=self.patient,
                actor=self.nurse,
                family_name=" ",
                date_of_birth=tomorrow,
                sex="alien",
            )
        self.assertEqual(set(caught.exception.fields), {"family_name", "date_of_birth", "sex"})
        self.patient.refresh_from_db()
        self.assertEqual(self.patient.family_name, "Rivera")
        self.assertFalse(AuditEvent.objects.filter(event_type="patient.demographics_changed"))

    def test_a_birth_before_1900_is_refused(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.update_demographics(
                patient=self.patient, actor=self.nurse, date_of_birth=date(1899, 12, 31)
            )
        self.assertEqual(
            caught.exception.fields, {"date_of_birth": "Date of birth must be after 1900."}
        )

    def test_text_longer_than_its_column_is_refused(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.update_demographics(patient=self.patient, actor=self.nurse, phone="1" * 41)
        self.assertIn("phone", caught.exception.fields)


class EnteredInErrorTests(ClinicTestCase):
    def test_a_patient_entered_in_error_leaves_lists_but_not_the_audit_trail(self):
        services.mark_patient_entered_in_error(
            patient=self.patient, actor=self.prescriber, reason="Duplicate registration"
        )
        self.assertFalse(search_patients(self.clinic, "").filter(pk=self.patient.pk).exists())
        self.assertTrue(AuditEvent.objects.filter(patient=self.patient).exists())
        self.assertTrue(Patient.objects.filter(pk=self.patient.pk).exists())
        with self.assertRaises(StateError):
            services.update_demographics(patient=self.patient, actor=self.nurse, phone="1")

    def test_a_reason_is_required(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.mark_patient_entered_in_error(
                patient=self.patient, actor=self.prescriber, reason="  "
            )
        self.assertIn("reason", caught.exception.fields)


class MeasurementTests(ClinicTestCase):
    def test_pounds_and_inches_are_converted_and_stored_in_kg_and_cm(self):
        row = services.record_measurement(
            patient=self.patient,
            actor=self.nurse,
            weight=Decimal("180"),
            height=Decimal("70"),
            unit="imperial",
        )
        self.assertEqual(row.weight_kg, Decimal("81.65"))
        self.assertEqual(row.height_cm, Decimal("177.8"))
        self.assertEqual(row.entered_unit, "imperial")

    def test_weight_outside_half_to_500_kg_is_refused(self):
        for weight in (Decimal("0.4"), Decimal("500.01"), Decimal("-3")):
            with self.subTest(weight=weight), self.assertRaises(ValidationFailed) as caught:
                services.record_measurement(
                    patient=self.patient, actor=self.nurse, weight=weight, unit="metric"
                )
            self.assertIn("weight", caught.exception.fields)
        self.assertFalse(BodyMeasurement.objects.exists())

    def test_pounds_are_range_checked_after_conversion(self):
        with self.assertRaises(ValidationFailed):
            services.record_measurement(
                patient=self.patient, actor=self.nurse, weight=Decimal("1200"), unit="imperial"
            )  # 544 kg

    def test_height_outside_30_to_250_cm_is_refused(self):
        for height in (Decimal("29.9"), Decimal("251")):
            with self.subTest(height=height), self.assertRaises(ValidationFailed) as caught:
                services.record_measurement(
                    patient=self.patient, actor=self.nurse, height=height, unit="metric"
                )
            self.assertIn("height", caught.exception.fields)

    def test_a_unit_must_be_chosen_explicitly(self):
        with self.assertRaises(ValidationFailed) as caught:
            services.record_measurement(
                patient=self.patient, actor=self.nurse, weight=Decimal("80"), unit=""
            )
        self.assertIn("unit", caught.exception.fields)

    def test_bmi_is_derived_from_the_latest_weight_and_height(self):
        from ketamine_care.patients.models import latest_body_metrics

        services.record_measurement(
            patient=self.patient,
            actor=self.nurse,
            weight=Decimal("82"),
            height=Decimal("180"),
            unit="metric",
        )
        self.assertEqual(latest_body_metrics(self.patient)["bmi"], Decimal("25.3"))


class SearchTests(ClinicTestCase):
    def test_search_is_partial_case_insensitive_and_scoped_to_the_clinic(self):
        self.assertEqual(list(search_patients(self.clinic, "RIV")), [self.patient])
        self.assertEqual(list(search_patients(self.clinic, "jam riv")), [self.patient])
        self.assertEqual(
            list(search_patients(self.clinic, self.patient.mrn[:5].lower())), [self.patient]
        )
        self.assertEqual(list(search_patients(self.clinic, "1985-04-12")), [self.patient])
        self.assertEqual(list(search_patients(self.clinic, "Other")), [])
        self.assertEqual(list(search_patients(self.clinic, "zzz")), [])
