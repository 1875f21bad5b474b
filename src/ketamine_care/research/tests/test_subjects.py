"""The per-patient secrets: one stable, random research id per patient and project, and
one non-zero date offset per patient."""

from __future__ import annotations

from ketamine_care.research.models import PatientShift, ResearchProject, ResearchSubject
from ketamine_care.research.subjects import (
    MAX_SHIFT_DAYS,
    new_offset,
    shift_for,
    shifts_for,
    subject_for,
    subjects_for,
)
from ketamine_care.testing.base import ClinicTestCase
from ketamine_care.testing.builders import make_patient


class SubjectTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.project = ResearchProject.objects.create(
            clinic=cls.clinic, name="Relapse", slug="relapse", created_by=cls.medical_director
        )
        cls.second = ResearchProject.objects.create(
            clinic=cls.clinic, name="Dosing", slug="dosing", created_by=cls.medical_director
        )

    def test_the_research_id_is_stable_per_project_and_differs_between_projects(self):
        first = subject_for(self.project, self.patient)
        self.assertEqual(subject_for(self.project, self.patient), first)
        other = subject_for(self.second, self.patient)
        self.assertNotEqual(first.research_id, other.research_id)
        self.assertNotIn(self.patient.mrn, first.research_id)
        self.assertEqual(ResearchSubject.objects.count(), 2)

    def test_the_offset_is_made_once_and_kept(self):
        shift = shift_for(self.patient)
        self.assertNotEqual(shift.offset_days, 0)
        self.assertEqual(shift_for(self.patient).offset_days, shift.offset_days)
        self.assertEqual(PatientShift.objects.count(), 1)

    def test_offsets_are_never_zero_and_stay_in_range(self):
        offsets = {new_offset() for _ in range(2000)}
        self.assertNotIn(0, offsets)
        self.assertLessEqual(max(abs(o) for o in offsets), MAX_SHIFT_DAYS)
        self.assertTrue(any(o < 0 for o in offsets) and any(o > 0 for o in offsets))

    def test_bulk_helpers_agree_with_the_single_ones(self):
        patients = [self.patient] + [
            make_patient(clinic=self.clinic, actor=self.prescriber) for _ in range(3)
        ]
        existing = subject_for(self.project, self.patient).research_id
        offset = shift_for(self.patient).offset_days
        ids = subjects_for(self.project, [p.pk for p in patients])
        offsets = shifts_for([p.pk for p in patients])
        self.assertEqual(set(ids), {p.pk for p in patients})
        self.assertEqual(ids[self.patient.pk], existing)
        self.assertEqual(offsets[self.patient.pk], offset)
        self.assertEqual(len(set(ids.values())), 4)
        self.assertEqual(subjects_for(self.project, [p.pk for p in patients]), ids)
        self.assertEqual(shifts_for([p.pk for p in patients]), offsets)
        self.assertEqual(subjects_for(self.project, []), {})
