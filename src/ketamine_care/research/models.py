"""Research projects and the secrets that de-identify patients for them.

`PatientShift.offset_days` and the link from a `ResearchSubject` to its patient never leave
the server: no page, export or API shows them. A researcher sees a project's subjects only
by their `research_id`, and their dates only shifted (research/deid.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.models import PublicIdModel, TimestampedModel


class ResearchProject(PublicIdModel, TimestampedModel):
    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="research_projects"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140)
    description = models.TextField(blank=True)
    # The consent text version a patient must have consented under; blank accepts any.
    consent_text_version = models.CharField(max_length=32, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "slug"], name="research_project_slug_unique_in_clinic"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PatientShift(models.Model):
    """The patient's secret date offset, the same in every project so that one patient's
    intervals agree across exports; never zero, so no shifted date is a real one."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="research_shift"
    )
    offset_days = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(offset_days=0), name="patient_shift_not_zero"),
        ]

    def __str__(self) -> str:
        return f"Date shift of patient {self.patient_id}"


class ResearchSubject(models.Model):
    """A patient as one project knows them: a random opaque id, stable for the project and
    different in every project, so two projects' exports cannot be joined by id."""

    project = models.ForeignKey(ResearchProject, on_delete=models.PROTECT, related_name="subjects")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="research_subjects"
    )
    research_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "research_id"], name="research_subject_id_unique_in_project"
            ),
            models.UniqueConstraint(
                fields=["project", "patient"], name="research_subject_once_per_project"
            ),
        ]

    def __str__(self) -> str:
        return self.research_id
