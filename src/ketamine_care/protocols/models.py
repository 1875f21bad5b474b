"""A clinic's copies of shipped protocols. A version is immutable once active.

The definition JSON is validated through `parse_definition` on save and on read; the database
refuses (trigger, migration 0002) any change to the definition of a version that has left
draft, so even code that bypasses the services cannot alter what plans and verdicts pinned.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketamine_care.core.errors import StateError
from ketamine_care.core.models import PublicIdModel, TimestampedModel
from ketamine_care.protocols.definition import ProtocolDefinition
from ketamine_care.protocols.library import parse_definition
from ketamine_care.protocols.pinning import INSTRUMENTS, THRESHOLDS, checked_content

FROZEN_FIELDS = (
    "definition",
    "clinic_values",
    "version",
    "clinic_protocol_id",
    "source",
    "shipped_base",
)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class VersionSource(models.TextChoices):
    SHIPPED = "shipped", "Shipped definition"
    EDITED = "edited", "Edited by the clinic"
    UPDATED = "updated", "Newer shipped definition"


class ClinicProtocol(PublicIdModel, TimestampedModel):
    """One shipped protocol id taken up by one clinic; its versions hold the definitions."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    protocol_id = models.CharField(max_length=64)

    class Meta:
        ordering = ["protocol_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "protocol_id"], name="clinic_protocol_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.protocol_id

    def active_version(self) -> ProtocolVersion | None:
        return self.versions.filter(status=VersionStatus.ACTIVE).first()


class ProtocolVersion(PublicIdModel, TimestampedModel):
    clinic_protocol = models.ForeignKey(
        ClinicProtocol, on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveIntegerField()  # the clinic's own counter: 1, 2, 3 ...
    definition = models.JSONField()
    # Values the clinic supplied for the definition's `clinic_must_set` paths (path -> value).
    clinic_values = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=VersionStatus.choices)
    source = models.CharField(max_length=16, choices=VersionSource.choices)
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True)
    change_note = models.TextField(blank=True)
    # A version made from a newer shipped definition (`protocols.update`): that definition with
    # the clinic's values, before the clinic's own changes were carried onto it. Null for the
    # others: their base is the version they are based on, back to the first activation.
    shipped_base = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    # The screening rule set, alert thresholds and instrument definitions this version uses,
    # copied with their digests when it became active (protocols.pinning). Empty for drafts;
    # never changed afterwards (save() and a database trigger refuse it).
    pinned_rules = models.JSONField(default=dict, blank=True)
    pinned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["clinic_protocol", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic_protocol", "version"], name="protocol_version_unique"
            ),
            models.UniqueConstraint(
                fields=["clinic_protocol"],
                condition=Q(status="active"),
                name="protocol_one_active_version",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(activated_at__isnull=False, activated_by__isnull=False),
                name="protocol_version_activation_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinic_protocol.protocol_id} v{self.version} ({self.status})"

    @property
    def protocol_id(self) -> str:
        return self.clinic_protocol.protocol_id

    @property
    def is_active(self) -> bool:
        return self.status == VersionStatus.ACTIVE

    def parsed(self) -> ProtocolDefinition:
        """The definition, validated on every read (a corrupt row fails loudly, never quietly)."""
        return parse_definition(self.definition)

    def pinned(self, kind: str) -> dict:
        """The pin record of `kind` (protocols.pinning), refusing an unpinned version."""
        if kind not in self.pinned_rules:
            raise StateError(f"{self} has no pinned {kind.replace('_', ' ')}; it is not active.")
        return self.pinned_rules[kind]

    def pinned_thresholds(self) -> list[dict]:
        """The alert thresholds pinned at activation, checked against their digest."""
        return checked_content(self.pinned(THRESHOLDS), "alert thresholds")

    def pinned_instrument(self, code: str) -> dict | None:
        """The pin record of instrument `code`, or None when this version does not use it."""
        return self.pinned_rules.get(INSTRUMENTS, {}).get(code) if self.pinned_rules else None

    def save(self, *args, **kwargs) -> None:
        parse_definition(self.definition)
        if self.pk is not None:
            self._refuse_changes_after_draft()
        super().save(*args, **kwargs)

    def _refuse_changes_after_draft(self) -> None:
        stored = (
            ProtocolVersion.objects.filter(pk=self.pk)
            .values(*FROZEN_FIELDS, "status", "pinned_rules")
            .first()
        )
        if stored is None or stored["status"] == VersionStatus.DRAFT:
            return
        if any(stored[name] != getattr(self, name) for name in FROZEN_FIELDS):
            raise StateError("An active or retired protocol version cannot change; make a draft.")
        if stored["pinned_rules"] and stored["pinned_rules"] != self.pinned_rules:
            raise StateError("The rules a protocol version was activated with cannot change.")
