"""Each instrument's outcome summary per patient, kept on write and checked on read.

The summary (baseline, latest, change, response, remission, relapse, loss of response, early
response) depends on the instrument's whole history: relapse and loss of response are runs
over every rating. Recomputing it on every chart view made the chart cost grow with the
history (41 -> 350 ms from 20 to 5,200 administrations). It is computed when a rating is
recorded (`refresh_after_recording`, a recorded hook) and stored as an `OutcomeSnapshot` with
a fingerprint of what it was computed from: the instrument's active rows (how many, the
newest id, the last change), its rules and the patient's dose times. A read compares the
fingerprints (one aggregate query for every instrument) and recomputes, and stores again, a
snapshot whose inputs changed since: a rating marked entered in error, a new dosing session,
a clinic's edited thresholds, a row written by an import. A stale summary is never shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q

from ketamine_care.instruments.definition import load_definition
from ketamine_care.instruments.models import Administration, TimePoint
from ketamine_care.outcomes.incremental import MissRun, extend_digest, miss_run
from ketamine_care.outcomes.models import OutcomeSnapshot
from ketamine_care.outcomes.providers import dose_times, remission_rules
from ketamine_care.outcomes.rules import (
    EarlyResponseView,
    EarlyResponseWindow,
    InstrumentThresholds,
    OutcomeSummary,
    OutcomeThresholds,
    RemissionRule,
    ScorePoint,
    early_response,
    summarise_outcome,
)
from ketamine_care.outcomes.services import clinic_thresholds, safety_settings_for
from ketamine_care.patients.models import RecordStatus

# Bumped when the stored form of a digest changes: older snapshots are then recomputed.
DIGEST_VERSION = "2"
# What the summary reads of every row, and of the newest: no answers, subscales or notes.
HISTORY_COLUMNS = ("administered_at", "total", "time_point")
LATEST_COLUMNS = ("administered_at", "total", "band", "risk", "flags")


@dataclass(frozen=True)
class LatestRating:
    """The instrument's newest active administration, as the summary shows it."""

    administered_at: datetime
    total: int | None
    band: str
    risk: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class OutcomeDigest:
    """Everything the chart and the API show about one instrument apart from its ratings."""

    count: int  # active administrations
    scored: int  # of which have a total (plotted)
    latest: LatestRating
    summary: OutcomeSummary | None
    early: EarlyResponseView | None
    # Rated only after the first dosing session and no administration marked as the baseline:
    # no response or remission is claimed until a clinician marks one.
    no_baseline: bool
    # The non-responses since the last response, for extending the digest by a new rating.
    miss_run: MissRun = MissRun()


def instrument_rules(
    code: str,
    thresholds: OutcomeThresholds,
    protocol_remission: Mapping[str, RemissionRule] | None = None,
) -> InstrumentThresholds:
    """The instrument's thresholds, with the patient's protocol remission cut-off if any."""
    definition = load_definition(code)
    floor = definition.total_range.min if definition.total_range else 0
    rules = thresholds.for_instrument(code, floor=floor)
    if protocol_remission and code in protocol_remission:
        rules = replace(rules, remission=protocol_remission[code])
    return rules


def _baseline_index(rows: Sequence, first_session=None) -> int | None:
    """The baseline: the last administration the clinician marked as baseline, else the last
    one before the first dosing session, else (None) the earliest."""
    marked = [i for i, a in enumerate(rows) if a.time_point == TimePoint.BASELINE]
    if marked:
        return marked[-1]
    if first_session is not None:
        before = [i for i, a in enumerate(rows) if a.administered_at <= first_session]
        if before:
            return before[-1]
    return None


def _early(points: list[ScorePoint], sessions: Sequence, rules) -> EarlyResponseView | None:
    """Early response (4 h, 24 h, day 7) after the latest session with a rating before it."""
    for session in reversed(sessions):
        if any(p.timestamp <= session for p in points):
            return early_response(points, session, rules.response, floor=rules.floor)
    return None


def compute_digest(
    rows: Sequence, rules: InstrumentThresholds, sessions: Sequence[datetime] = (), last=None
) -> OutcomeDigest:
    """The digest of one instrument from all its active rows, oldest first (each with the
    `HISTORY_COLUMNS` as attributes), and `last`, the newest with the `LATEST_COLUMNS`
    (default: the last of `rows`). Pure: the full computation a snapshot must equal."""
    scored = [a for a in rows if a.total is not None]
    summary = early = None
    first_session = sessions[0] if sessions else None
    baseline = _baseline_index(scored, first_session)
    no_baseline = bool(scored) and baseline is None and first_session is not None
    run = MissRun()
    if scored:
        points = [ScorePoint(a.administered_at, a.total) for a in scored]
        if not no_baseline:
            summary = summarise_outcome(points, baseline, rules, first_treatment_at=first_session)
            start = baseline or 0
            run = miss_run(points[start + 1 :], points[start].total, rules)
        early = _early(points, sessions, rules)
    last = rows[-1] if last is None else last
    flags = tuple(getattr(last, "flags", None) or ())
    latest = LatestRating(last.administered_at, last.total, getattr(last, "band", ""),
                          getattr(last, "risk", ""), flags)  # fmt: skip
    return OutcomeDigest(len(rows), len(scored), latest, summary, early, no_baseline, run)


def history(patient, code: str) -> tuple[list, Any]:
    """All active rows of one instrument, oldest first, with only the columns the summary
    reads of every row (`HISTORY_COLUMNS`), and the newest row with what it shows of it."""
    rows = Administration.objects.active().filter(patient=patient, instrument_code=code)
    newest = rows.order_by("-administered_at", "-id").values_list(*LATEST_COLUMNS, named=True)
    oldest_first = rows.order_by("administered_at", "id")
    return list(oldest_first.values_list(*HISTORY_COLUMNS, named=True)), newest.first()


def row_states(patient) -> dict[str, tuple[int, int, datetime]]:
    """(count, newest id, last change) of each instrument's active rows: one aggregate query."""
    rows = (
        Administration.objects.active()
        .filter(patient=patient)
        .order_by()
        .values("instrument_code")
        .annotate(n=Count("id"), last_id=Max("id"), changed=Max("updated_at"))
    )
    return {r["instrument_code"]: (r["n"], r["last_id"], r["changed"]) for r in rows}


def fingerprint(state: tuple, rules: InstrumentThresholds, sessions: Sequence[datetime]) -> str:
    count, last_id, changed = state
    text = "|".join(
        [DIGEST_VERSION, str(count), str(last_id), changed.isoformat(), repr(rules)]
        + [moment.isoformat() for moment in sessions]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def digests(
    patient,
    rules: Mapping[str, InstrumentThresholds],
    sessions: Sequence[datetime],
    states: Mapping[str, tuple] | None = None,
) -> dict[str, OutcomeDigest]:
    """Each instrument's digest, from its snapshot when that is current, else computed from
    the history and stored. `states` are `row_states(patient)` when the caller has them."""
    states = row_states(patient) if states is None else states
    stored = {
        s.instrument_code: s
        for s in OutcomeSnapshot.objects.filter(patient=patient, instrument_code__in=list(states))
    }
    found, stale = {}, []
    for code, state in states.items():
        key = fingerprint(state, rules[code], sessions)
        snapshot = stored.get(code)
        if snapshot is not None and snapshot.fingerprint == key:
            try:
                found[code] = decode(snapshot.data)
                continue
            except (KeyError, TypeError, ValueError):
                pass  # unreadable: recompute it below
        rows, last = history(patient, code)
        found[code] = compute_digest(rows, rules[code], sessions, last)
        stale.append(OutcomeSnapshot(patient=patient, instrument_code=code, fingerprint=key,
                                     data=encode(found[code])))  # fmt: skip
    _store(stale)
    return found


def _store(snapshots: list[OutcomeSnapshot]) -> None:
    if snapshots:
        OutcomeSnapshot.objects.bulk_create(
            snapshots,
            update_conflicts=True,
            unique_fields=["patient", "instrument_code"],
            update_fields=["fingerprint", "data"],
        )


def refresh(patient, code: str, rules: InstrumentThresholds, sessions: Sequence[datetime]):
    """Recompute and store one instrument's snapshot (after a write to its history)."""
    state = row_states(patient).get(code)
    if state is None:
        OutcomeSnapshot.objects.filter(patient=patient, instrument_code=code).delete()
        return None
    rows, last = history(patient, code)
    digest = compute_digest(rows, rules, sessions, last)
    key = fingerprint(state, rules, sessions)
    _store([OutcomeSnapshot(patient=patient, instrument_code=code, fingerprint=key,
                            data=encode(digest))])  # fmt: skip
    return digest


def refresh_after_recording(*, administration, actor=None, request=None) -> list:
    """Recorded hook (`instruments.services`): refresh the snapshot of the instrument just
    rated, in the recording's transaction: extended by the new rating when the stored one
    covered every rating before it (`outcomes.incremental`), else recomputed. Raises no
    alerts."""
    patient, code = administration.patient, administration.instrument_code
    thresholds = clinic_thresholds(safety_settings_for(patient.clinic))
    rules = instrument_rules(code, thresholds, remission_rules(patient))
    sessions = dose_times(patient)
    if not _extend(patient, administration, rules, sessions):
        refresh(patient, code, rules, sessions)
    return []


def _extend(patient, row, rules: InstrumentThresholds, sessions) -> bool:
    """Store the snapshot extended by `row`, the newest rating, if the stored snapshot was
    current just before it (its fingerprint is that of the other active rows: one aggregate
    query) and the digest allows; False otherwise (then recompute)."""
    if row.status != RecordStatus.ACTIVE:
        return False
    code, others = row.instrument_code, ~Q(pk=row.pk)
    states = (
        Administration.objects.active().filter(patient=patient, instrument_code=code)
        .aggregate(n=Count("id", filter=others), last_id=Max("id", filter=others),
                   changed=Max("updated_at", filter=others), all_n=Count("id"),
                   all_last=Max("id"), all_changed=Max("updated_at"))
    )  # fmt: skip
    if not states["n"] or states["all_last"] != row.pk:
        return False
    snapshot = OutcomeSnapshot.objects.filter(patient=patient, instrument_code=code).first()
    before = (states["n"], states["last_id"], states["changed"])
    if snapshot is None or snapshot.fingerprint != fingerprint(before, rules, sessions):
        return False
    try:
        digest = extend_digest(decode(snapshot.data), row, rules, sessions)
    except (KeyError, TypeError, ValueError):
        return False
    if digest is None:
        return False
    now = fingerprint((states["all_n"], states["all_last"], states["all_changed"]), rules, sessions)
    _store([OutcomeSnapshot(patient=patient, instrument_code=code, fingerprint=now,
                            data=encode(digest))])  # fmt: skip
    return True


# JSON for the digest: dataclasses by name, datetimes and durations tagged, ints kept ints
# (a total shows as "12", never "12.0"), lists read back as tuples.
_TYPES = {
    cls.__name__: cls
    for cls in (
        OutcomeDigest,
        LatestRating,
        OutcomeSummary,
        ScorePoint,
        EarlyResponseView,
        EarlyResponseWindow,
        MissRun,
    )
}


def encode(value: Any) -> Any:
    if is_dataclass(value):
        name = type(value).__name__
        return {"$": name, **{f.name: encode(getattr(value, f.name)) for f in fields(value)}}
    if isinstance(value, datetime):
        return {"$": "datetime", "iso": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$": "timedelta", "dsu": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def decode(data: Any) -> Any:
    if isinstance(data, list):
        return tuple(decode(v) for v in data)
    if not isinstance(data, dict):
        return data
    kind = data["$"]
    if kind == "datetime":
        return datetime.fromisoformat(data["iso"])
    if kind == "timedelta":
        days, seconds, micro = data["dsu"]
        return timedelta(days=days, seconds=seconds, microseconds=micro)
    values = {k: decode(v) for k, v in data.items() if k != "$"}
    return _TYPES[kind](**values)
