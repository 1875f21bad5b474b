"""An outcome digest extended by one new rating, without reading the history.

Recording a rating used to recompute its instrument's digest from every rating (O(history)
per write). When the rating is the newest of its instrument and changes neither the baseline
nor the relapse, the digest follows from the stored one and the new rating alone:

- count, scored and latest: one more, the new rating;
- change, percent change, response and remission: the baseline against the new total;
- first response: the stored one, else the new rating if it responds;
- loss of response: the stored run of non-responses since the last response (`MissRun`),
  one longer or reset, lost when it reaches the rule's length;
- early response: the windows of the last dosing session keep their rating unless the new
  one is nearer the target (a tie keeps the earlier); a rating at or before the last session
  becomes its pre-session rating.

Anything else (a baseline rating, a rating before the first session, an older rating, a
relapse rule still open, no summary yet) returns None: the caller recomputes from the whole
history. A property test (`tests/test_incremental_summaries.py`) checks that the extended
digest equals the full computation over generated histories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ketamine_care.instruments.models import TimePoint
from ketamine_care.outcomes.rules import (
    InstrumentThresholds,
    ScorePoint,
    classify_response,
    early_response,
    percent_change,
)


@dataclass(frozen=True)
class MissRun:
    """Consecutive ratings since the first response that did not meet response, at the end of
    the history (none before a first response, or once response was lost)."""

    misses: int = 0
    started_at: datetime | None = None


def miss_run(later: Sequence[ScorePoint], base: float, rules: InstrumentThresholds) -> MissRun:
    """The run at the end of `later` (the scored ratings after the baseline), as
    `rules._loss_of_response` walks it."""
    if rules.response is None:
        return MissRun()
    responded, run = False, MissRun()
    for point in later:
        if classify_response(base, point.total, rules.response, rules.floor).responder:
            responded, run = True, MissRun()
        elif responded:
            run = MissRun(run.misses + 1, run.started_at or point.timestamp)
            if run.misses == rules.relapse_consecutive:
                return MissRun()  # lost: the summary says so, later ratings change nothing
    return run


def extend_digest(digest, row, rules: InstrumentThresholds, sessions: Sequence[datetime]):
    """`digest` (of every active rating before `row`) extended by `row`, the newest active
    rating (with `administered_at`, `total`, `band`, `risk`, `flags`, `time_point`); None
    when only the whole history can tell."""
    from ketamine_care.outcomes.summaries import LatestRating

    if row.time_point == TimePoint.BASELINE or digest.latest.administered_at > row.administered_at:
        return None
    latest = LatestRating(row.administered_at, row.total, row.band, row.risk,
                          tuple(row.flags or ()))  # fmt: skip
    if row.total is None:
        return replace(digest, count=digest.count + 1, latest=latest)
    summary = digest.summary
    if summary is None or (sessions and row.administered_at <= sessions[0]):
        return None
    if rules.relapse is not None and summary.first_response_at and summary.relapse_at is None:
        return None
    point = ScorePoint(row.administered_at, row.total)
    summary, run = _extend_summary(summary, digest.miss_run, point, rules, sessions)
    return replace(digest, count=digest.count + 1, scored=digest.scored + 1, latest=latest,
                   summary=summary, early=_extend_early(digest.early, point, rules, sessions),
                   miss_run=run)  # fmt: skip


def _extend_summary(summary, run: MissRun, point: ScorePoint, rules, sessions):
    base, rule, remission = summary.baseline, rules.response, rules.remission
    responder = (
        classify_response(base.total, point.total, rule, rules.floor).responder if rule else None
    )
    first = summary.first_response_at or (point.timestamp if responder else None)
    start = sessions[0] if sessions else base.timestamp
    lost_at = summary.loss_of_response_at
    if rule and lost_at is None and summary.first_response_at is not None:
        if responder:
            run = MissRun()
        else:
            run = MissRun(run.misses + 1, run.started_at or point.timestamp)
            if run.misses == rules.relapse_consecutive:
                lost_at, run = run.started_at, MissRun()
    extended = replace(
        summary,
        latest=point,
        change=point.total - base.total,
        percent_change=percent_change(base.total, point.total, rules.floor),
        responder=responder,
        remitter=remission.met_by(point.total) if remission else None,
        first_response_at=first,
        time_to_first_response=(first - start) if first else None,
        administrations_after_baseline=summary.administrations_after_baseline + 1,
        loss_of_response=lost_at is not None,
        loss_of_response_at=lost_at,
    )
    return extended, run


def _extend_early(early, point: ScorePoint, rules, sessions):
    """The last session's early response with `point` added: the stored view's ratings are
    the only ones any window can keep (each was the nearest of all before)."""
    if not sessions:
        return None
    last = sessions[-1]
    if point.timestamp <= last:  # the newest rating is now the last pre-session rating
        return early_response([point], last, rules.response, floor=rules.floor)
    if early is None:  # no rating at or before any session: still none
        return None
    kept = [early.pre_session] + [w.point for w in early.windows if w.point is not None] + [point]
    kept = sorted(kept, key=lambda p: p.timestamp)  # stable: a tie keeps the earlier
    return early_response(kept, last, rules.response, floor=rules.floor)
