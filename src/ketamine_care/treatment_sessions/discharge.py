"""Discharge readiness after a dosing session: a pure function (no Django).

Criteria come from the protocol definition (`adapter.monitoring_from_protocol`): esketamine's
label rules (at least 2 h from the first device, BP falling from its 40-minute value or at a
safe level, escorted transport [@spravato-uspi]), MOAA/S back to 5, dissociation resolved
(CADSS; INSTITUTIONAL), an optional recovery score, and on every route the PADSS vital-sign
item [@chung-1995]: BP and heart rate within a percentage of the pre-dose baseline, or BP at
or below a safe level, and BP not rising across the last two readings.

Unmet criteria are reported as stable snake_case codes, in this order (UNMET_CODES):

minimum_observation_not_configured  the protocol leaves the observation time to the clinic
minimum_observation                 the observation time is not yet reached
moaas_not_recorded / moaas_not_5    no post-dose MOAA/S, or the latest is not the required 5
bp_not_recorded / bp_above_urgent   no post-dose BP, or the latest BP meets an urgent BP rule
                                    (a rule of joined conditions whose other measure is not
                                    on that reading counts as met: it cannot show otherwise)
bp_incomplete                       the latest post-dose BP is half a pair (a systolic without
                                    its diastolic, or the reverse): it cannot show the other
                                    number is back near the baseline
bp_40_min_missing / bp_not_falling  esketamine: no BP at or after 40 min before the latest one, or
                                    the latest BP is not below it (nor at a clinic-set safe level)
baseline_missing                    no pre-dose BP and heart rate to compare with
bp_not_near_baseline                latest BP neither near the baseline nor at a safe level
bp_trend_not_established / bp_rising
                                    one post-dose BP only, or the latest is higher than the one
                                    before it
hr_not_recorded / hr_not_near_baseline
                                    no post-dose heart rate, or the latest is not near baseline
urgent_alert_unacknowledged         an urgent alert has no acknowledgement (with action taken)
escort_not_confirmed                escorted transport not confirmed
dissociation_not_assessed / dissociation_not_resolved
                                    no CADSS total, or the total is above the clinic threshold
recovery_score_not_recorded / recovery_score_below_threshold
                                    Modified Aldrete / PADSS missing or below the protocol total

An urgent alert blocks discharge until acknowledged even when later readings are normal: the
issue requires every alert to be acknowledged with the action taken, and only a clinician can
do that. With `readings_only=True` (the `check-vitals` CLI, which sees vitals only) the
escort, CADSS and recovery-score criteria are listed in `not_evaluated` instead of `unmet`;
clinician judgement of stability is never evaluated here and stays with the signing clinician.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .alerts import Alert, ThresholdRule, evaluate_alerts, is_post_dose, unacknowledged
from .readings import Reading

# Stable codes, in reporting order, with the wording the CLI and UI show.
UNMET_DESCRIPTIONS: dict[str, str] = {
    "minimum_observation_not_configured": "minimum observation time not set by the protocol",
    "minimum_observation": "minimum observation time not yet reached",
    "moaas_not_recorded": "no MOAA/S recorded after dosing",
    "moaas_not_5": "latest MOAA/S is not back to 5 (alert)",
    "bp_not_recorded": "no blood pressure recorded after dosing",
    "bp_above_urgent": "latest blood pressure meets an urgent threshold",
    "bp_incomplete": "latest blood pressure after dosing is half a pair: take a whole one",
    "bp_40_min_missing": "no blood pressure at or after 40 min to compare the latest with",
    "bp_not_falling": "blood pressure not falling from its 40-minute value",
    "baseline_missing": "no pre-dose blood pressure and heart rate to compare with",
    "bp_not_near_baseline": "blood pressure not back near the pre-dose value nor at a safe level",
    "bp_trend_not_established": "only one blood pressure after dosing: take another to show "
    "it is not rising",
    "bp_rising": "blood pressure still rising across the last two readings",
    "hr_not_recorded": "no heart rate recorded after dosing",
    "hr_not_near_baseline": "heart rate not back near the pre-dose value",
    "urgent_alert_unacknowledged": "an urgent alert has not been acknowledged with an action",
    "escort_not_confirmed": "escorted transport home not confirmed",
    "dissociation_not_assessed": "no CADSS total recorded before discharge",
    "dissociation_not_resolved": "CADSS total above the clinic's threshold",
    "recovery_score_not_recorded": "recovery score (Modified Aldrete / PADSS) not recorded",
    "recovery_score_below_threshold": "recovery score below the protocol's pass mark",
}
UNMET_CODES: tuple[str, ...] = tuple(UNMET_DESCRIPTIONS)
BP_MEASURES = ("bp_systolic", "bp_diastolic", "map")
PAIR = ("bp_systolic", "bp_diastolic")


@dataclass(frozen=True)
class BaselineRule:
    """PADSS vital-sign item [@chung-1995]: each of BP and HR within `within_percent` of its
    pre-dose value, or BP at or below `bp_systolic_max`/`bp_diastolic_max`; BP not rising."""

    within_percent: float
    bp_systolic_max: float
    bp_diastolic_max: float
    source: str = ""


@dataclass(frozen=True)
class RecoveryScoreRule:
    """A recovery score the protocol asks for: `instrument` total must be >= `min_total`."""

    instrument: str
    min_total: float
    source: str = ""


@dataclass(frozen=True)
class DischargeCriteria:
    """Discharge criteria from one protocol. Minutes are relative to the start of dosing.

    `observation_start_min`, when the observation clock starts: 0 for esketamine (first
    device), the end of the infusion for IV protocols (`observation_from = "end_of_infusion"`),
    None when unknown. `min_observation_min` None: left to the clinic. `bp_reference_minute` is
    the label's 40-minute BP check; `safe_bp_*_max` (mmHg) are clinic input, as the label gives
    no "safe level" number [@spravato-uspi §2].
    """

    min_observation_min: float | None
    observation_from: str = "first_device"
    observation_start_min: float | None = 0
    moaas_required: int = 5
    require_bp_below_urgent: bool = True
    bp_falling_from_40_min: bool = False
    bp_reference_minute: float = 40
    safe_bp_systolic_max: float | None = None
    safe_bp_diastolic_max: float | None = None
    cadss_threshold: float | None = None
    escort_required: bool = True
    recovery_score: RecoveryScoreRule | None = None
    baseline: BaselineRule | None = None

    @property
    def earliest_minute(self) -> float | None:
        """Minute (from dosing start) at which the minimum observation is met, or None."""
        if self.min_observation_min is None or self.observation_start_min is None:
            return None
        return self.observation_start_min + self.min_observation_min


@dataclass(frozen=True)
class DischargeResult:
    """`ready` is True only when `unmet` is empty. `not_evaluated` names skipped criteria."""

    ready: bool
    earliest_minute: float | None
    unmet: tuple[str, ...]
    not_evaluated: tuple[str, ...] = ()


def evaluate_discharge(
    readings: Sequence[Reading],
    rules: Sequence[ThresholdRule],
    criteria: DischargeCriteria,
    *,
    alerts: Sequence[Alert] | None = None,
    at_minute: float | None = None,
    acknowledged: Iterable[tuple[str, float]] = (),
    escort_present: bool | None = None,
    cadss_total: float | None = None,
    recovery_score: float | None = None,
    readings_only: bool = False,
) -> DischargeResult:
    """Which of the protocol's discharge criteria are unmet (codes: module docstring).

    `at_minute` is "now" in minutes from dosing start (default: the latest reading's minute).
    `alerts` default to `evaluate_alerts(readings, rules)`; `acknowledged` holds the
    (rule, minute) keys of acknowledged alerts. BP, HR and MOAA/S are judged on the latest
    post-dose reading (minute > 0) that carries them; the baseline is the latest pre-dose
    one. See the module docstring for codes.
    """
    ordered = sorted(readings, key=Reading.sort_key)
    if at_minute is None and ordered:
        at_minute = ordered[-1].minute
    post_dose = [r for r in ordered if is_post_dose(r.minute)]
    pre_dose = [r for r in ordered if not is_post_dose(r.minute)]
    if alerts is None:
        alerts = evaluate_alerts(ordered, rules)
    unmet = [
        *_observation_unmet(criteria, at_minute),
        *_moaas_unmet(criteria, post_dose),
        *_bp_unmet(criteria, rules, post_dose),
        *_baseline_unmet(criteria.baseline, pre_dose, post_dose),
    ]
    if unacknowledged(alerts, acknowledged, tier="urgent"):
        unmet.append("urgent_alert_unacknowledged")
    skipped, external = _external_unmet(
        criteria, escort_present, cadss_total, recovery_score, readings_only
    )
    unmet.extend(external)
    unmet = list(dict.fromkeys(unmet))  # one code once, in the order found
    return DischargeResult(
        ready=not unmet,
        earliest_minute=criteria.earliest_minute,
        unmet=tuple(unmet),
        not_evaluated=tuple(skipped),
    )


def _observation_unmet(criteria: DischargeCriteria, at_minute: float | None) -> list[str]:
    earliest = criteria.earliest_minute
    if earliest is None:
        return ["minimum_observation_not_configured"]
    if at_minute is None or at_minute < earliest:
        return ["minimum_observation"]
    return []


def _moaas_unmet(criteria: DischargeCriteria, post_dose: Sequence[Reading]) -> list[str]:
    scores = [r.moaas for r in post_dose if r.moaas is not None]
    if not scores:
        return ["moaas_not_recorded"]
    return [] if scores[-1] == criteria.moaas_required else ["moaas_not_5"]


def _bp_unmet(
    criteria: DischargeCriteria, rules: Sequence[ThresholdRule], post_dose: Sequence[Reading]
) -> list[str]:
    if not (criteria.require_bp_below_urgent or criteria.bp_falling_from_40_min):
        return []
    with_bp = [r for r in post_dose if r.bp_systolic is not None or r.bp_diastolic is not None]
    if not with_bp:
        return ["bp_not_recorded"]
    latest = with_bp[-1]
    unmet = []
    if criteria.require_bp_below_urgent and _meets_urgent_bp_rule(latest, rules):
        unmet.append("bp_above_urgent")
    if criteria.bp_falling_from_40_min:
        unmet.extend(_bp_trend_unmet(criteria, with_bp, latest))
    return unmet


def _meets_urgent_bp_rule(reading: Reading, rules: Sequence[ThresholdRule]) -> bool:
    # Instantaneous check of every urgent post-dose BP condition, ignoring its sustained
    # timing: discharge needs the current pressure below the urgent lines themselves.
    for rule in rules:
        if rule.tier != "urgent" or not rule.applies_at(1):
            continue
        if rule.with_symptoms and not reading.symptoms:
            continue
        if rule.match == "all":
            # Fail-safe: every condition the reading carries is met and a measure is missing
            # (breach None) cannot show the pressure is below this line, so it counts as met.
            if rule.breach(reading) is not False and rule.measures & set(BP_MEASURES):
                return True
            continue
        for condition in rule.conditions:
            value = reading.value(condition.measure)
            if condition.measure in BP_MEASURES and value is not None and condition.met_by(value):
                return True
    return False


def _baseline_unmet(
    rule: BaselineRule | None, pre_dose: Sequence[Reading], post_dose: Sequence[Reading]
) -> list[str]:
    """The PADSS vital-sign item; each missing value makes it unmet, never skipped."""
    if rule is None:
        return []
    baseline = {m: _latest(pre_dose, m) for m in (*PAIR, "heart_rate")}
    if any(value is None for value in baseline.values()):
        return ["baseline_missing"]
    unmet = []
    with_bp = [r for r in post_dose if r.bp_systolic is not None or r.bp_diastolic is not None]
    if with_bp and (with_bp[-1].bp_systolic is None or with_bp[-1].bp_diastolic is None):
        # Fail safe: the newest pressure is not judged on an older whole pair.
        unmet.append("bp_incomplete")
    bp_now = [r for r in post_dose if r.bp_systolic is not None and r.bp_diastolic is not None]
    if bp_now:
        latest = bp_now[-1]
        near = all(_near(latest.value(m), baseline[m], rule) for m in PAIR)
        safe = (
            latest.bp_systolic <= rule.bp_systolic_max  # type: ignore[operator]
            and latest.bp_diastolic <= rule.bp_diastolic_max  # type: ignore[operator]
        )
        if not (near or safe):
            unmet.append("bp_not_near_baseline")
        if len(bp_now) < 2:
            unmet.append("bp_trend_not_established")
        elif any(latest.value(m) > bp_now[-2].value(m) for m in PAIR):  # type: ignore[operator]
            unmet.append("bp_rising")
    else:
        unmet.append("bp_not_recorded")
    heart_rate = _latest(post_dose, "heart_rate")
    if heart_rate is None:
        unmet.append("hr_not_recorded")
    elif not _near(heart_rate, baseline["heart_rate"], rule):
        unmet.append("hr_not_near_baseline")
    return unmet


def _latest(readings: Sequence[Reading], measure: str) -> float | None:
    values = [r.value(measure) for r in readings if r.value(measure) is not None]
    return values[-1] if values else None


def _near(value: float | None, baseline: float | None, rule: BaselineRule) -> bool:
    if value is None or baseline is None:
        return False
    return abs(value - baseline) * 100 <= rule.within_percent * baseline


def _bp_trend_unmet(
    criteria: DischargeCriteria, with_bp: Sequence[Reading], latest: Reading
) -> list[str]:
    """Esketamine label: BP falling from the ~40-minute value, or at a safe level."""
    if _at_safe_level(criteria, latest):
        return []
    # The 40-minute value is the first BP taken at or after minute 40 ("at about 40 minutes"),
    # and it must be an earlier reading than the latest one it is compared with.
    earlier = with_bp[:-1]
    reference = next((r for r in earlier if r.minute >= criteria.bp_reference_minute), None)
    if reference is None:
        return ["bp_40_min_missing"]
    return [] if _is_falling(reference, latest) else ["bp_not_falling"]


def _is_falling(reference: Reading, latest: Reading) -> bool:
    # Falling: no component compared is higher than at 40 min and at least one is lower.
    pairs = [
        (reference.value(m), latest.value(m))
        for m in BP_MEASURES
        if reference.value(m) is not None and latest.value(m) is not None
    ]
    return (
        bool(pairs)
        and all(now <= then for then, now in pairs)  # type: ignore[operator]
        and any(now < then for then, now in pairs)  # type: ignore[operator]
    )


def _at_safe_level(criteria: DischargeCriteria, latest: Reading) -> bool:
    limits = [
        (limit, observed)
        for limit, observed in (
            (criteria.safe_bp_systolic_max, latest.bp_systolic),
            (criteria.safe_bp_diastolic_max, latest.bp_diastolic),
        )
        if limit is not None
    ]
    # Without a clinic-set safe level only a falling BP satisfies the criterion.
    return bool(limits) and all(v is not None and v <= limit for limit, v in limits)


def _external_unmet(
    criteria: DischargeCriteria,
    escort_present: bool | None,
    cadss_total: float | None,
    recovery_score: float | None,
    readings_only: bool,
) -> tuple[list[str], list[str]]:
    """(not_evaluated, unmet) for the criteria vitals cannot show: escort, CADSS, recovery."""
    skipped: list[str] = []
    unmet: list[str] = []
    for name, value, missing, failed, passed in _external_checks(
        criteria, escort_present, cadss_total, recovery_score
    ):
        if missing is None or (value is None and readings_only):
            skipped.append(name)
        elif value is None:
            unmet.append(missing)
        elif not passed:
            unmet.append(failed)
    return skipped, unmet


def _external_checks(
    criteria: DischargeCriteria,
    escort_present: bool | None,
    cadss_total: float | None,
    recovery_score: float | None,
) -> list[tuple[str, object, str | None, str, bool]]:
    """(name, input, code if missing (None: never judged here), code if failed, passed)."""
    checks: list[tuple[str, object, str | None, str, bool]] = []
    if criteria.escort_required:
        passed = escort_present is True
        checks.append(
            ("escort", escort_present, "escort_not_confirmed", "escort_not_confirmed", passed)
        )
    if criteria.cadss_threshold is None:
        # No clinic CADSS threshold: dissociation is left to the clinician.
        checks.append(("dissociation", cadss_total, None, "", True))
    else:
        passed = cadss_total is not None and cadss_total <= criteria.cadss_threshold
        checks.append(
            (
                "dissociation",
                cadss_total,
                "dissociation_not_assessed",
                "dissociation_not_resolved",
                passed,
            )
        )
    if criteria.recovery_score is not None:
        rule = criteria.recovery_score
        passed = recovery_score is not None and recovery_score >= rule.min_total
        checks.append(
            (
                rule.instrument,
                recovery_score,
                "recovery_score_not_recorded",
                "recovery_score_below_threshold",
                passed,
            )
        )
    return checks
