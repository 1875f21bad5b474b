"""The append-only, hash-chained audit trail.

Each clinic has its own chain: every event stores `seq` (1, 2, 3, ... per clinic), the hash of
its predecessor and an HMAC-SHA256 (keyed, see `chain.py`; plain SHA-256 for events written
before keying, `algorithm = "sha256"`) over its own content and that predecessor hash.
`AuditChainHead` holds the last seq and hash of each chain so that deleting the newest events
is detected too; anchors outside the database (`anchors.py`) catch a rewound head.
Events without a clinic (sign-in failures of unknown users) form the chain with key "global".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ketamine_care.audit.chain import LEGACY_ALGORITHM


class AuditEvent(models.Model):
    chain = models.CharField(max_length=40, db_index=True)
    seq = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clinic = models.ForeignKey(
        "accounts.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event_type = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # "sha256" (unkeyed, before keying) or "hmac-sha256:<key id>"; `record()` always sets it.
    algorithm = models.CharField(max_length=40, default=LEGACY_ALGORITHM)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique"),
        ]
        indexes = [
            models.Index(fields=["clinic", "-occurred_at"], name="audit_clinic_time"),
            models.Index(fields=["patient", "-occurred_at"], name="audit_patient_time"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.seq} ({self.chain})"


class AuditChainHead(models.Model):
    chain = models.CharField(max_length=40, unique=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.chain} @ {self.last_seq}"
