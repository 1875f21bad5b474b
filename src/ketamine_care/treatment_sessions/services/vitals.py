"""Vital-sign readings (nurse entry and device batches) and the alerts they raise.

After each write, alerts are evaluated against the pinned protocol version's thresholds from
where each rule stood before the batch (`services.alerting`: the batch's readings and the
window the rules need, not the whole session); an alert becomes a `SessionAlert` row once per
key (rule, triggering reading's time), so re-evaluation never duplicates one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import router, transaction
from django.db.models import Q
from django.utils import timezone

from ketamine_care.accounts.permissions import Capability, actor_may
from ketamine_care.audit.services import record
from ketamine_care.core.canonical import sha256_digest
from ketamine_care.core.clock import as_utc
from ketamine_care.core.compiled import INT, STARTS_WITH, CompiledQuery
from ketamine_care.core.errors import Conflict, NotPermitted, StateError, ValidationFailed
from ketamine_care.core.plain_insert import insert_all
from ketamine_care.treatment_sessions import states
from ketamine_care.treatment_sessions.models import SessionAlert, VitalSignsReading
from ketamine_care.treatment_sessions.monitoring import FIELDS, MEASURE_OF
from ketamine_care.treatment_sessions.readings import (
    Reading,
    ReadingError,
    check_reading,
    check_symptoms,
)
from ketamine_care.treatment_sessions.services.alerting import (  # noqa: F401
    evaluate_readings,
    raise_alerts,
    refresh_alerts,  # re-exported
)
from ketamine_care.treatment_sessions.services.lifecycle import locked, require_unsigned

# Devices and workstation clocks drift; a reading a little "in the future" is clock skew.
CLOCK_SKEW = timedelta(minutes=2)
READING_STATES = (*states.ACTIVE, states.DISCHARGED)


@dataclass
class VitalsResult:
    stored: list[VitalSignsReading] = field(default_factory=list)
    duplicates: int = 0
    new_alerts: list[SessionAlert] = field(default_factory=list)


def check_readings(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate every reading (plausibility limits of `readings.py`); raise ValidationFailed
    naming the 0-based reading and the field (nothing is saved when one is wrong)."""
    cleaned = []
    now = timezone.now()
    for index, item in enumerate(items):
        when = item.get("measured_at")
        if not isinstance(when, datetime):
            _fail(index, "measured_at", "is required (date and time of the measurement)")
        when = as_utc(when)
        if when > now + CLOCK_SKEW:
            _fail(index, "measured_at", "is in the future")
        values = {f: item.get(f) for f in FIELDS.values()}
        if all(v is None for v in values.values()):
            _fail(index, "bp_systolic_mmhg", "a reading needs at least one measurement")
        pure = {MEASURE_OF[f]: v for f, v in values.items() if v is not None}
        try:
            symptoms = check_symptoms(item.get("symptoms") or [], index)
            check_reading(Reading(minute=0, symptoms=symptoms, **pure), index)
        except ReadingError as error:
            _fail(index, FIELDS.get(error.field, error.field), error.message)
        cleaned.append({**item, **values, "measured_at": when, "symptoms": list(symptoms)})
    return cleaned


def _fail(index: int, field_name: str, message: str):
    raise ValidationFailed(
        f"Reading {index + 1}: {field_name} {message}.",
        fields={f"readings[{index}].{field_name}": message},
    )


def record_vitals(
    *,
    session,
    actor,
    readings: list[dict[str, Any]],
    source: str = "manual",
    batch_key: str = "",
    request=None,
) -> VitalsResult:
    """Store a batch of readings and evaluate alerts. Each reading's `idempotency_key`
    (default `<batch_key>:<index>`) is unique per session: a retried batch stores nothing
    twice. Readings may arrive out of order; they are placed by `measured_at`. A signed
    session refuses readings (409)."""
    items = check_readings(readings)
    keyed = _keyed_readings(items, source=source, batch_key=batch_key)
    result = VitalsResult()
    with transaction.atomic():
        session = locked(session)
        require_unsigned(session)
        if session.state not in READING_STATES:
            raise StateError(
                f"Readings are not taken while the session is {session.state_label.lower()}."
            )
        seen = _check_replay(session, keyed, batch_key)
        rows = _new_rows(session, keyed, seen, actor=actor)
        result.duplicates = len(items) - len(rows)
        if rows:
            result.stored = insert_all(rows)
            since = min(row.measured_at for row in rows)
            # Checkpoints are replaced before the audit record takes the chain head.
            evaluated = evaluate_readings(session, since=since)
            record(
                event_type="vitals.recorded",
                actor=actor,
                patient=session.patient,
                obj=session,
                changes={
                    "count": len(rows),
                    "source": source,
                    "batch_key": batch_key,
                    "measured": [
                        min(r.measured_at for r in rows),
                        max(r.measured_at for r in rows),
                    ],
                },
                request=request,
            )
            result.new_alerts = raise_alerts(session, evaluated, actor=actor, request=request)
    return result


def _keyed_readings(
    items: list[dict[str, Any]], *, source: str, batch_key: str
) -> dict[str, dict[str, Any]]:
    """The checked readings by idempotency key, each with its source, digest, 0-based index
    and whether the key was the sender's own. A key sent twice in one batch for different
    readings is a conflict (409)."""
    keyed: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(items):
        own = bool(item.get("idempotency_key"))
        key = str(
            item.get("idempotency_key")
            or (f"{batch_key}:{index}" if batch_key else uuid.uuid4().hex)
        )[:120]
        item = {**item, "source": (item.get("source") or source or "manual")[:60]}
        item["digest"] = payload_digest(item)
        first = keyed.setdefault(key, {**item, "index": index, "own": own})
        if first["digest"] != item["digest"]:
            _reused(key, index, own, "is used twice in this batch for different readings")
    return keyed


def _new_rows(
    session, keyed: dict[str, dict[str, Any]], seen: set[str], *, actor
) -> list[VitalSignsReading]:
    """Unsaved rows for the readings whose keys are not stored yet."""
    return [
        VitalSignsReading(
            session=session,
            measured_at=item["measured_at"],
            source=item["source"],
            idempotency_key=key,
            payload_digest=item["digest"],
            recorded_by=actor,
            symptoms=item["symptoms"],
            **{f: item[f] for f in FIELDS.values()},
        )
        for key, item in keyed.items()
        if key not in seen
    ]


def payload_digest(item: dict[str, Any]) -> str:
    """SHA-256 of a reading's canonical JSON: UTC time, every measure, sorted symptoms and
    source. The same reading sent again has the same digest on every backend."""
    when = item["measured_at"].astimezone(UTC).isoformat()
    canonical = {
        "measured_at": when,
        "source": item.get("source") or "",
        "symptoms": sorted(item.get("symptoms") or []),
        **{f: item.get(f) for f in FIELDS.values()},
    }
    return sha256_digest(canonical)


def _stored_digest(row: VitalSignsReading) -> str:
    # Rows stored before digests existed are compared by their stored values.
    return row.payload_digest or payload_digest(
        {
            "measured_at": row.measured_at,
            "source": row.source,
            "symptoms": row.symptoms,
            **{f: getattr(row, f) for f in FIELDS.values()},
        }
    )


def _reused(key: str, index: int, own: bool, message: str):
    fields = {"idempotency_key": f"{key} {message}."}
    if own:
        fields[f"readings[{index}].idempotency_key"] = f"{key} {message}."
    raise Conflict(
        f"Idempotency key {key} {message}; nothing was stored. Send new readings with a new key.",
        fields=fields,
    )


def _check_replay(session, keyed: dict[str, dict[str, Any]], batch_key: str) -> set[str]:
    """The keys already stored. A replay must repeat the original exactly: a key stored for
    other values, or a batch key resent with more or fewer readings, is a conflict (409),
    never a silent 201 that drops the new readings."""
    prefix = f"{batch_key}:"
    if batch_key and all(key.startswith(prefix) for key in keyed) and type(session.pk) is int:
        # Every key is the batch key's (a device batch): the prefix alone finds them all, in
        # a short statement instead of one that lists every key, compiled once per connection.
        using = router.db_for_read(VitalSignsReading)
        rows = _STORED_BY_PREFIX.objects(
            VitalSignsReading, using, prefix=prefix, session_id=session.pk
        )
    else:
        query = Q(idempotency_key__in=list(keyed))
        if batch_key:
            query |= Q(idempotency_key__startswith=prefix)
        rows = stored_readings(query, session_id=session.pk)
    stored = {row.idempotency_key: row for row in rows}
    for key, item in keyed.items():
        row = stored.get(key)
        if row is not None and _stored_digest(row) != item["digest"]:
            _reused(key, item["index"], item["own"], "was already used for different readings")
    if batch_key:
        derived = {k for k, item in keyed.items() if not item["own"]}
        earlier = {k for k in stored if k.startswith(f"{batch_key}:") and k not in keyed}
        if earlier or (derived & set(stored) and derived - set(stored)):
            _reused(batch_key, 0, False, "was already used for a different batch")
    return set(stored) & set(keyed)


def stored_readings(query: Q, *, session_id: int):
    """The query of `_check_replay`: a session's readings that `query` finds, with what a
    replay is compared on."""
    return VitalSignsReading.objects.filter(query, session_id=session_id).only(
        "idempotency_key", "payload_digest", "measured_at", "source", "symptoms", *FIELDS.values()
    )


_STORED_BY_PREFIX = CompiledQuery(
    "vitals-stored-by-prefix",
    lambda *, prefix, session_id: stored_readings(
        Q(idempotency_key__startswith=prefix), session_id=session_id
    ),
    prefix=STARTS_WITH,
    session_id=INT,
)


def acknowledge_alert(*, alert: SessionAlert, actor, action_taken: str, request=None):
    """Acknowledge an alert with the action taken (required). An urgent alert raised before
    the dose holds it, and only a prescriber lifts the hold (`_refuse_hold_without_prescriber`)."""
    action_taken = (action_taken or "").strip()
    if not action_taken:
        raise ValidationFailed(
            "Say what was done.", fields={"action_taken": "Describe the action taken."}
        )
    with transaction.atomic():
        session = locked(alert.session)
        require_unsigned(session)
        alert = SessionAlert.objects.select_for_update(of=("self",), no_key=True).get(pk=alert.pk)
        if alert.acknowledged_at is not None:
            raise StateError("This alert is already acknowledged.")
        _refuse_hold_without_prescriber(alert, session, actor)
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.action_taken = action_taken[:2000]
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken"])
        record(
            event_type="session_alert.acknowledged",
            actor=actor,
            patient=session.patient,
            obj=alert,
            changes={"rule": alert.rule, "tier": alert.tier, "action_taken": alert.action_taken},
            request=request,
        )
    return alert


def _refuse_hold_without_prescriber(alert: SessionAlert, session, actor) -> None:
    """An urgent alert raised before the dose (a BP in the severe range) holds the dose until
    a prescriber decides: the nurse rechecks, and the prescriber acknowledges with the
    decision, as only a prescriber overrides a missing pre-session check."""
    if alert.tier != "urgent" or alert.minute is not None:
        return
    if not actor_may(actor, session.clinic_id, Capability.OVERRIDE_PRE_CHECK):
        raise NotPermitted(
            "A prescriber acknowledges a dose hold: the dose needs their decision. Recheck the "
            "reading and ask the prescriber to acknowledge it.",
            fields={"action_taken": "Only a prescriber can acknowledge a dose hold."},
        )
