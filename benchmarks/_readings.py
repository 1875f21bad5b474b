"""Stored readings for the growth benchmarks, bulk-inserted (multi-row INSERT of many rows,
never one service call per reading) but exactly as the app writes them: checked values,
the payload digest the service computes, one idempotency key per reading. The session's
alert state is then brought up to date by the app's own `refresh_alerts`, so whatever it
keeps beside the readings is what the service would have written."""

from __future__ import annotations

from datetime import datetime, timedelta


def normal_reading(i: int) -> dict:
    """Benchmark data, not guidance: values that raise no alert under iv-ketamine-trd."""
    return {
        "bp_systolic_mmhg": 118 + i % 15,
        "bp_diastolic_mmhg": 74 + i % 10,
        "heart_rate_bpm": 70 + i % 20,
        "spo2_percent": 97,
        "respiratory_rate_per_min": 14,
        "moaas": 5,
    }


def store_readings(session, actor, count: int, *, last_at: datetime, every: timedelta) -> None:
    """`count` device readings ending at `last_at`, `every` apart, then the alert refresh."""
    from ketamine_care.treatment_sessions.models import VitalSignsReading
    from ketamine_care.treatment_sessions.services.vitals import (
        check_readings,
        payload_digest,
        refresh_alerts,
    )

    if count == 0:
        return
    items = check_readings(
        [
            {"measured_at": last_at - every * (count - 1 - i), **normal_reading(i)}
            for i in range(count)
        ]
    )
    rows = []
    for i, item in enumerate(items):
        item = {**item, "source": "device"}
        rows.append(
            VitalSignsReading(
                session=session,
                measured_at=item["measured_at"],
                source="device",
                idempotency_key=f"bulk:{i}",
                payload_digest=payload_digest(item),
                recorded_by=actor,
                symptoms=[],
                **normal_reading(i),
            )
        )
    VitalSignsReading.objects.bulk_create(rows, batch_size=2000)
    refresh_alerts(session, actor=actor)
