"""Alerts raised by a session's readings, evaluated incrementally after each write.

Evaluating every reading of the session after each batch made ingestion quadratic over a
session. Instead, where every rule stands (`alerts.RuleState`) is kept in `AlertCheckpoint`
rows, each covering the readings up to its `through_at`. A batch resumes from the latest
checkpoint strictly before its earliest reading (a back-dated reading resumes further back),
reads only the readings after that checkpoint, and evaluates them from the saved states:
exactly the alerts a re-evaluation of every reading raises at those minutes
(`alerts.evaluate_from`, run with the rules compiled: `alert_engine.evaluate_batch`); those
before it were raised when their readings came.

Checkpoints after the resume point are replaced by new ones (their readings may have
changed). A checkpoint of another basis (rules, dosing started or not, minute 0) is never
resumed from: after the dose is recorded the next batch evaluates every reading once, under
the new phases, as before. Checkpoints are kept about `SPACING` apart (the newest always), so
a reading back-dated by D re-reads about D + SPACING of readings. Each evaluation also ends a
stretch at the last reading `HOLD` or more before its newest one, so a batch that arrives a
few seconds late (a retried request, two devices' batches crossing) re-reads about HOLD of
readings, not up to SPACING: with readings every second, tens rather than a hundred or more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from ketamine_care.audit.services import record
from ketamine_care.core.compiled import CompiledQuery, statement_cursor, through
from ketamine_care.core.plain_insert import insert_all
from ketamine_care.treatment_sessions.adapter import SessionMonitoring
from ketamine_care.treatment_sessions.alert_engine import evaluate_batch
from ketamine_care.treatment_sessions.alert_state import (
    basis_for,
    decode_states,
    encode_states,
)
from ketamine_care.treatment_sessions.alerts import Alert
from ketamine_care.treatment_sessions.models import (
    AlertCheckpoint,
    SessionAlert,
    VitalSignsReading,
)
from ketamine_care.treatment_sessions.monitoring import (
    FIELDS,
    READING_VALUES,
    alert_anchor,
    monitoring_for,
    pure_readings,
)
from ketamine_care.treatment_sessions.readings import Reading

SPACING = timedelta(minutes=2)
# A checkpoint is also kept at the last reading at least HOLD before the newest (`_stretches`).
HOLD = timedelta(seconds=10)
# Minutes are rounded to 0.01 (0.6 s): a checkpoint more than 1 s before a reading never
# holds a reading of that reading's minute.
SAME_MINUTE = timedelta(seconds=1)

# The statements every batch runs, compiled once per connection (`core.compiled`):
# building them cost more CPU than running them.
_SENTINEL_AT = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
_SESSION = through(AlertCheckpoint._meta.get_field("session"), -2_000_000_001)
_CHECKPOINTS = CompiledQuery(
    "alert-checkpoints-before",
    lambda session, basis, cut: (
        AlertCheckpoint.objects.filter(session=session, basis=basis, through_at__lt=cut)
        .order_by("-through_at")
        .values_list("pk", "through_at", "states")[:2]
    ),
    session=_SESSION,
    basis=through(AlertCheckpoint._meta.get_field("basis"), "\x00basis"),
    cut=through(AlertCheckpoint._meta.get_field("through_at"), _SENTINEL_AT),
)
_ALL_READINGS = CompiledQuery(
    "session-readings",
    lambda session: (
        VitalSignsReading.objects.filter(session=session)
        .order_by("measured_at", "id")
        .values_list(*READING_VALUES)
    ),
    session=_SESSION,
)
_READINGS_AFTER = CompiledQuery(
    "session-readings-after",
    lambda session, after: (
        VitalSignsReading.objects.filter(session=session, measured_at__gt=after)
        .order_by("measured_at", "id")
        .values_list(*READING_VALUES)
    ),
    session=_SESSION,
    after=through(VitalSignsReading._meta.get_field("measured_at"), _SENTINEL_AT),
)

_ALERTS = CompiledQuery(
    "session-alert-keys",
    lambda session: SessionAlert.objects.filter(session=session).values_list(
        "rule", "triggered_at"
    ),
    session=_SESSION,
)
_ALERTS_AFTER = CompiledQuery(
    "session-alert-keys-after",
    lambda session, after: SessionAlert.objects.filter(
        session=session, triggered_at__gt=after
    ).values_list("rule", "triggered_at"),
    session=_SESSION,
    after=through(SessionAlert._meta.get_field("triggered_at"), _SENTINEL_AT),
)


@dataclass(frozen=True)
class _Checkpoint:
    pk: int
    through_at: datetime
    states: dict


@dataclass(frozen=True)
class Evaluated:
    """Alerts found by `evaluate_readings` (with their reading's time), not yet raised."""

    alerts: list[tuple[Alert, datetime]]
    after: datetime | None  # every alert raised before at or before this time was read
    monitoring: SessionMonitoring


def refresh_alerts(
    session, *, since: datetime | None = None, actor=None, request=None
) -> list[SessionAlert]:
    """Evaluate the readings from `since` (the earliest reading just stored; None: all of
    them) and create the alerts not raised before. Call with the session locked."""
    evaluated = evaluate_readings(session, since=since)
    return raise_alerts(session, evaluated, actor=actor, request=request)


def evaluate_readings(session, *, since: datetime | None = None) -> Evaluated:
    """The alerts of the readings from `since` (None: all), and the checkpoints brought up to
    date. Call with the session locked and before the transaction's audit record (it
    deletes the checkpoints it replaces); then `raise_alerts`, which only inserts."""
    monitoring = monitoring_for(session)
    anchor = alert_anchor(session)
    dosing_started = session.dose_started_at is not None
    basis = basis_for(session, monitoring.rules)
    base, cut, passed = _resume_point(session, basis, since)
    rows = _readings_after(session, base)
    states, starts = decode_states(base.states if base else {}, anchor)
    alerts, checkpoints = _evaluate(
        session, rows, monitoring.rules, (states, starts), anchor, dosing_started
    )
    _drop_checkpoints(session, basis, cut, passed)
    insert_all(
        [
            AlertCheckpoint(session=session, through_at=at, basis=basis, states=encoded)
            for at, encoded in checkpoints
        ]
    )
    return Evaluated(alerts, base.through_at if base else None, monitoring)


def _resume_point(session, basis: str, since: datetime | None):
    """(checkpoint to resume from or None, the time from which checkpoints are replaced or
    None for all of them, the id of the resume point when it is dropped once passed). The
    two newest of this basis before `since` are read: the newer is dropped once passed when
    it is less than `SPACING` after the older (so one per SPACING is kept)."""
    if since is None:
        return None, None, None
    cut = since - SAME_MINUTE
    found = [
        _Checkpoint(*row)
        for row in _CHECKPOINTS.rows(_using(session), session=session.pk, basis=basis, cut=cut)
    ]
    base = found[0] if found else None
    passed = None
    if len(found) == 2 and found[0].through_at - found[1].through_at < SPACING:
        passed = found[0].pk
    return base, cut, passed


def _drop_checkpoints(session, basis: str, cut: datetime | None, passed: int | None) -> None:
    """Delete the session's checkpoints that this evaluation replaces: every one (`cut`
    None), else those at or after `cut`, those of another basis, and `passed`. One
    statement of a fixed text (prepared on PostgreSQL), not a DELETE the ORM builds on
    every batch; the model has no signals or dependants."""
    connection = connections[_using(session)]
    quote, meta = connection.ops.quote_name, AlertCheckpoint._meta
    session_id, through_at, basis_column, pk = (
        quote(meta.get_field(name).column) for name in ("session", "through_at", "basis", "id")
    )
    sql = f"DELETE FROM {quote(meta.db_table)} WHERE {session_id} = %s"  # noqa: S608 (names)
    params: list = [session.pk]
    if cut is not None:
        at = meta.get_field("through_at").get_db_prep_value(cut, connection)
        sql += f" AND ({through_at} >= %s OR {basis_column} <> %s OR {pk} = %s)"
        params += [at, basis, passed]
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, params)


def _readings_after(session, base) -> list[dict[str, Any]]:
    """The session's readings after `base` (None: all), in time order, as dicts."""
    using = _using(session)
    if base is None:
        rows = _ALL_READINGS.rows(using, session=session.pk)
    else:
        rows = _READINGS_AFTER.rows(using, session=session.pk, after=base.through_at)
    return [dict(zip(READING_VALUES, row, strict=True)) for row in rows]


def _evaluate(session, rows, rules, resumed, anchor, dosing_started):
    """The alerts (with their reading's time) and the checkpoints (time, encoded states),
    the readings cut into stretches of about SPACING between minutes."""
    pure, times = pure_readings(session, rows, anchor=anchor)
    states, starts = resumed
    raised: list[tuple[Alert, datetime]] = []
    checkpoints: list[tuple[datetime, dict[str, Any]]] = []
    for stretch in _stretches(pure):
        alerts, states = evaluate_batch(stretch, rules, states, dosing_started=dosing_started)
        known = {**starts, **times}
        raised.extend((alert, times[alert.minute]) for alert in alerts)
        starts = {s.start: known[s.start] for s in states.values() if s.start is not None}
        checkpoints.append((times[stretch[-1].minute], encode_states(states, starts)))
    return raised, checkpoints


def _stretches(readings: list[Reading]) -> list[list[Reading]]:
    """Readings (in time order) cut between minutes, each stretch spanning about SPACING,
    and one cut after the last reading at least HOLD before the newest (its checkpoint is
    where a batch a few seconds late resumes)."""
    stretches: list[list[Reading]] = []
    span = SPACING.total_seconds() / 60
    held = readings[-1].minute - HOLD.total_seconds() / 60 if readings else 0.0
    for reading in readings:
        current = stretches[-1] if stretches else None
        if current is None:
            stretches.append([reading])
            continue
        new_minute = reading.minute != current[-1].minute
        spanned = reading.minute - current[0].minute >= span
        crosses = current[-1].minute <= held < reading.minute
        if new_minute and (spanned or crosses):
            stretches.append([reading])
        else:
            current.append(reading)
    return stretches


def raise_alerts(session, evaluated: Evaluated, *, actor, request=None) -> list[SessionAlert]:
    """Create the evaluated alerts not raised before (one row per rule and reading time)."""
    if not evaluated.alerts:
        return []
    monitoring = evaluated.monitoring
    if evaluated.after is None:
        stored = _ALERTS.rows(_using(session), session=session.pk)
    else:
        stored = _ALERTS_AFTER.rows(_using(session), session=session.pk, after=evaluated.after)
    existing = set(stored)
    new = []
    for alert, when in evaluated.alerts:
        if (alert.rule, when) in existing:
            continue
        new.append(_row(session, alert, when, monitoring.thresholds_digest))
        existing.add((alert.rule, when))
    if new:
        SessionAlert.objects.bulk_create(new)
        record(
            event_type="session_alert.raised",
            actor=actor,
            patient=session.patient,
            obj=session,
            changes={
                "alerts": [{"rule": a.rule, "tier": a.tier, "at": a.triggered_at} for a in new],
                "protocol_version": session.protocol_version.version,
                "thresholds_digest": monitoring.thresholds_digest,
            },
            request=request,
        )
    return new


def _row(session, alert: Alert, when: datetime, digest: str) -> SessionAlert:
    return SessionAlert(
        session=session,
        rule=alert.rule,
        tier=alert.tier,
        minute=alert.minute if session.dose_started_at else None,
        triggered_at=when,
        message=alert.message,
        action=alert.action,
        source=alert.source,
        evidence=alert.evidence,
        # A derived measure (MAP) keeps its own name: it has no model field.
        observed={FIELDS.get(m, m): round(v, 1) for m, v in alert.observed},
        thresholds_digest=digest,
    )


def _using(session) -> str:
    return session._state.db or DEFAULT_DB_ALIAS
