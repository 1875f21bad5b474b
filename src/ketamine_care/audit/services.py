"""Writing the audit trail. Call `record()` inside the transaction of the change it describes."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.chain import GENESIS_HASH, event_hash
from ketamine_care.audit.models import AuditChainHead, AuditEvent

GLOBAL_CHAIN = "global"


def chain_key(clinic) -> str:
    return str(clinic.public_id) if clinic is not None else GLOBAL_CHAIN


def _jsonable(changes: dict[str, Any] | None) -> dict[str, Any]:
    # Round-trip so the stored JSON and the hashed JSON are byte-identical (dates -> strings).
    return json.loads(json.dumps(changes or {}, default=str))


def record(
    *,
    event_type: str,
    actor=None,
    clinic=None,
    patient=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    changes: dict[str, Any] | None = None,
    request=None,
) -> AuditEvent:
    """Append one event to the clinic's chain.

    Must run inside the caller's transaction so the event commits or rolls back with the change.
    The chain head row is locked (SELECT ... FOR UPDATE) so concurrent writers of one clinic
    serialise and the chain stays linear.
    """
    if clinic is None and patient is not None:
        clinic = patient.clinic
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "public_id", None) or obj.pk)
    key = chain_key(clinic)
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update(of=("self",), no_key=True).get_or_create(
            chain=key, defaults={"last_hash": GENESIS_HASH}
        )
        content = {
            "chain": key,
            "seq": head.last_seq + 1,
            "occurred_at": timezone.now(),
            "actor_id": getattr(actor, "pk", None) if actor and actor.is_authenticated else None,
            "clinic_id": getattr(clinic, "pk", None),
            "patient_id": getattr(patient, "pk", None),
            "event_type": event_type,
            "object_type": object_type,
            "object_id": object_id,
            "changes": _jsonable(changes),
            "request_id": getattr(request, "request_id", "") if request else "",
            "client_ip": request.META.get("REMOTE_ADDR") if request else None,
            "prev_hash": head.last_hash,
        }
        content["hash"] = event_hash(content)
        event = AuditEvent.objects.create(**content)
        head.last_seq, head.last_hash = event.seq, event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event
