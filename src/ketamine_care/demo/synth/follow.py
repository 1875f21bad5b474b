"""Rating-scale administrations of a synthetic course, on the demo's response patterns
(`scores`): MADRS at baseline and before each later session, at 4 and 24 hours after the
first dose (and at day 7 when no session falls on it), and after the series at 1 and 4
weeks and at 3, 6 and 12 months (each later follow-up missed now and then, and none after
a drop-out); CADSS 40 minutes after each dose."""

from __future__ import annotations

from datetime import UTC, timedelta

from ketamine_care.demo.synth import catalogue, scores
from ketamine_care.demo.synth.batch import ACTIVE, Batch, Draw, public_id
from ketamine_care.instruments.models import Administration


def administration(batch: Batch, run, d: Draw, patient: dict, code: str, total: int, at,
                   time_point: str, rng, day: int | None = None) -> dict:  # fmt: skip
    definition, digest = run.ctx.instruments[code]
    scored = run.bank.pick(code, total, rng)
    return batch.add(
        Administration,
        public_id=public_id(rng),
        created_at=at,
        updated_at=at,
        patient_id=patient["id"],
        instrument_code=code,
        definition_version=definition.version,
        definition_digest=digest,
        answers=scored.answers,
        total=scored.total,
        band=scored.band,
        subscales=scored.subscales,
        flags=scored.flags,
        risk=scored.risk,
        administered_at=at,
        time_point=time_point,
        follow_up_day=day,
        source="clinician",
        entered_by_id=run.ctx.staff["nurse"],
        **ACTIVE,
    )


def session_ratings(batch: Batch, run, d: Draw, patient: dict, index: int, start, rng):
    """MADRS before the dose and CADSS at 40 minutes, as the signed note lists them. Before
    the first session the baseline MADRS is taken at the evaluation three days earlier (as
    the demo's score histories do): measurement completeness counts a baseline only before
    the first session's day, so a course without one is never analysable."""
    if index == 0:
        administration(batch, run, d, patient, "madrs", d.madrs0,
                       start - timedelta(days=3), "baseline", rng)  # fmt: skip
        total = d.madrs0
    else:
        total = scores.level(d.madrs0, scores.after_session(d.pattern, index - 1), rng)
    madrs = administration(batch, run, d, patient, "madrs", total,
                           start - timedelta(minutes=18), "pre_session", rng)  # fmt: skip
    dissociation = scores.cadss_total(d.cadss_peak, index, rng)
    cadss = administration(batch, run, d, patient, "cadss", dissociation,
                           start + timedelta(minutes=40), "during_session", rng)  # fmt: skip
    return [
        {"instrument": a["instrument_code"], "total": a["total"],
         "at": str(a["administered_at"].astimezone(UTC))}
        for a in (madrs, cadss)
    ]  # fmt: skip


def follow_ups(batch: Batch, run, d: Draw, patient: dict, starts: list, complete: bool, rng):
    """The early ratings after the first dose and, after a completed series, the later ones
    that fall before today."""
    first = starts[0]
    fraction_4h = catalogue.EARLY_4H[d.pattern]
    rows = [
        ("madrs", scores.level(d.madrs0, fraction_4h, rng), first + timedelta(hours=4), 0),
        ("madrs", scores.level(d.madrs0, scores.after_session(d.pattern, 0), rng),
         first + timedelta(days=1), 1),
    ]  # fmt: skip
    if not any(timedelta(days=6) < s - first < timedelta(days=8) for s in starts):
        week = scores.level(d.madrs0, scores.after_session(d.pattern, 2), rng)
        rows.append(("madrs", week, first + timedelta(days=7), 7))
    if complete:
        rows += _after_series(d, starts[-1], rng)
    for code, total, at, day in rows:
        if at.date() < run.ctx.today:
            administration(batch, run, d, patient, code, total, at, "follow_up", rng, day)


def _after_series(d: Draw, last, rng) -> list[tuple]:
    planned = [
        (7, scores.after_series(d.pattern, 1)),
        (28, scores.after_series(d.pattern, 4)),
        *zip(catalogue.FOLLOW_UP_MONTH_DAYS, catalogue.LATER[d.pattern], strict=True),
    ]
    rows = []
    for day, fraction in planned:
        if day > 28 and rng.random() < catalogue.MISSED_FOLLOW_UP:
            continue
        when = last + timedelta(days=day, hours=rng.randint(-2, 2))
        rows.append(("madrs", scores.level(d.madrs0, fraction, rng), when, day))
    return rows
