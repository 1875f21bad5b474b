"""Pure, data-driven scoring of one instrument administration. No Django imports.

The scoring method, item ranges, bands, subscales and safety flags all come from the
instrument's definition file; this module only does the arithmetic the method names.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .definition import InstrumentDefinition, Item
from .definition_parts import SexScreen
from .tlfb import flatten, summarise

Number = int | float

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}
RISK_ORDER = ("none", "low", "moderate", "high")


class AnswerError(ValueError):
    """An answer set that cannot be scored, naming the offending item and its allowed values."""

    def __init__(self, item_id: str | None, allowed: str, message: str) -> None:
        super().__init__(message)
        self.item_id = item_id
        self.allowed = allowed
        self.message = message


@dataclass(frozen=True)
class ScreenOutcome:
    """A sex-dependent positive screen (AUDIT-C): the result and the cut-off that decided it.

    `sex` is the sex the cut-off was chosen for: "male", "female", or what else was given
    ("other", "unknown"; "unknown" when nothing was), which gets the stricter cut-off.
    """

    flag: str
    positive: bool
    sex: str
    min_total: int
    cut_off: str

    def as_json(self) -> dict[str, Any]:
        return {
            "flag": self.flag,
            "positive": self.positive,
            "sex": self.sex,
            "min_total": self.min_total,
            "cut_off": self.cut_off,
        }


_SEX_WORDS = {"male": "men", "female": "women"}


def screen_outcome(screen: SexScreen, total: int, sex: str | None) -> ScreenOutcome:
    """Positive when `total` reaches the cut-off for `sex`; a sex that is not male or female
    (not given, "other", "unknown") gets the stricter, lower cut-off, and `cut_off` says so."""
    given = (sex or "").strip().lower() or "unknown"
    if given in screen.min_total:
        cut = screen.min_total[given]  # type: ignore[index]
        words = f"total {cut} or more for {_SEX_WORDS[given]}"
    else:
        cut = screen.strictest
        words = f"total {cut} or more: sex not recorded as male or female, so the stricter cut-off"
    return ScreenOutcome(screen.flag, total >= cut, given, cut, words)


@dataclass(frozen=True)
class ScoreResult:
    """One scored administration. `total` is None for triage instruments (C-SSRS)."""

    instrument: str
    version: str
    total: int | None
    band: str | None
    subscales: dict[str, int] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    risk: str | None = None
    item_values: dict[str, int] = field(default_factory=dict)
    screen: ScreenOutcome | None = None

    def as_json(self) -> dict[str, Any]:
        """The CLI / API contract object (keys and order fixed). `screen` is added, last, only
        for an instrument with a sex-dependent screen (AUDIT-C)."""
        shown: dict[str, Any] = {
            "instrument": self.instrument,
            "version": self.version,
            "total": self.total,
            "band": self.band,
            "subscales": dict(self.subscales),
            "flags": list(self.flags),
            "risk": self.risk,
        }
        if self.screen is not None:
            shown["screen"] = self.screen.as_json()
        return shown


def _item_label(position: int, item: Item) -> str:
    return f"item {position} ({item.id}, {item.name})"


def _coerce(value: Number | str, position: int, item: Item) -> int:
    """Turn one raw answer into an allowed whole number or raise AnswerError naming the item."""
    allowed = item.describe_allowed()
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if number != number or not number.is_integer() or int(number) not in item.allowed_values():
        raise AnswerError(
            item.id, allowed, f"{_item_label(position, item)}: got {value!r}; allowed: {allowed}"
        )
    return int(number)


def _count_error(definition: InstrumentDefinition, given: int) -> AnswerError:
    items = definition.items
    if given < len(items):
        item, position = items[given], given + 1
        detail = f"first missing: {_item_label(position, item)}"
    else:
        item, position = items[-1], len(items)
        detail = f"extra answers after the last item, {_item_label(position, item)}"
    return AnswerError(
        item.id,
        item.describe_allowed(),
        f"{definition.code} needs {len(items)} answers in item order, got {given} ({detail}, "
        f"allowed: {item.describe_allowed()})",
    )


def validate_answers(
    definition: InstrumentDefinition, answers: Sequence[Number | str]
) -> dict[str, Any]:
    """Check count, each item's allowed values and skip logic; return {item_id: value}.

    Raises AnswerError naming the item (1-based position and id) and its allowed values.
    """
    if definition.calendar is not None:
        return _validate_calendar(definition, answers)
    items = definition.items
    if len(answers) != len(items):
        raise _count_error(definition, len(answers))
    values: dict[str, Any] = {
        item.id: _coerce(raw, pos, item)
        for pos, (item, raw) in enumerate(zip(items, answers, strict=True), 1)
    }
    _check_skip_logic(definition, values)
    return values


def _validate_calendar(definition: InstrumentDefinition, answers) -> dict[str, Any]:
    """TLFB: the sex answer, then one drinks count per day of the window."""
    calendar = definition.calendar
    assert calendar is not None
    flat = flatten(calendar, answers)
    sex_item, day_item = definition.item(calendar.sex_item), definition.item(calendar.day_item)
    days = len(flat) - 1
    if not calendar.min_days <= days <= calendar.max_days:
        allowed = f"{calendar.min_days} to {calendar.max_days} days"
        raise AnswerError(
            day_item.id,
            allowed,
            f"{definition.code} needs the sex ({sex_item.id}: {sex_item.describe_allowed()} or "
            f"{', '.join(calendar.sex_words)}) then drinks for each day of the window "
            f"({day_item.id}), {allowed}; got {max(days, 0)} days",
        )
    # The sex may be left out (None or ""): the patient's recorded sex then decides (score()).
    sex = None if flat[0] is None or flat[0] == "" else _coerce(flat[0], 1, sex_item)
    drinks = []
    for day, raw in enumerate(flat[1:], 1):
        try:
            drinks.append(_coerce(raw, day + 1, day_item))
        except AnswerError as exc:
            message = f"day {day} ({day_item.id}): got {raw!r}; allowed: {exc.allowed}"
            raise AnswerError(day_item.id, exc.allowed, message) from exc
    return {sex_item.id: sex, day_item.id: drinks}


def _check_skip_logic(definition: InstrumentDefinition, values: Mapping[str, int]) -> None:
    if definition.triage is None:
        return
    for rule in definition.triage.skip_logic:
        if values[rule.if_item] != 0:
            continue
        for item_id in rule.then_items:
            if values[item_id] != 0:
                position = definition.item_ids.index(item_id) + 1
                raise AnswerError(
                    item_id,
                    "0",
                    f"{_item_label(position, definition.item(item_id))}: must be 0 when "
                    f"{rule.if_item} is 0 (skipped question); got {values[item_id]}",
                )


def _total(definition: InstrumentDefinition, values: Mapping[str, Any]) -> int | None:
    method = definition.scoring_method
    if method == "tlfb":
        return _drinking(definition, values).percent_heavy_drinking_days
    if method == "cssrs_triage":
        return None  # Columbia triage is item-based, never a sum [@posner-2011].
    if method == "domain_max_sum":
        # QIDS-SR16: highest item within each domain, summed [@rush-2003].
        return sum(max(values[i] for i in d.items) for d in definition.domains)
    return sum(values.values())


def _band(definition: InstrumentDefinition, total: int | None) -> str | None:
    if definition.banding is None or total is None:
        return None
    for band in definition.banding.bands:
        if band.min <= total <= band.max:
            return band.name
    raise AssertionError(f"{definition.code}: total {total} outside bands")  # schema prevents


def _risk(definition: InstrumentDefinition, values: Mapping[str, int]) -> str | None:
    if definition.triage is None:
        return None
    for rule in definition.triage.rules:  # ordered high -> low; first match wins
        if any(all(values[i] == 1 for i in group) for group in rule.any_of):
            return rule.risk
    return "none"


def _flags(
    definition: InstrumentDefinition, values: Mapping[str, int], risk: str | None
) -> tuple[str, ...]:
    flags = [f.flag for f in definition.safety_flags if _OPS[f.op](values[f.item], f.value)]
    triage = definition.triage
    if triage is not None and triage.flag and triage.flag_when_risk_at_least and risk:
        if RISK_ORDER.index(risk) >= RISK_ORDER.index(triage.flag_when_risk_at_least):
            flags.append(triage.flag)
    return tuple(dict.fromkeys(flags))


def _option_label(item: Item, value: int) -> str:
    return next((o.label for o in item.options or () if o.value == value), str(value))


def heavy_day_line(definition: InstrumentDefinition, entered: int | None, sex: str | None) -> int:
    """TLFB: the sex option whose heavy-day line applies (5 or more drinks for men, 4 or more
    for women [@niaaa-drinking-levels]; the numbers are the definition's).

    The patient's recorded sex decides when it is male or female; any other recorded sex
    ("other", "unknown", blank) gets the stricter line (the women's, the lower number), as
    does a score with no sex at all. An `entered` line that contradicts it is refused
    (AnswerError naming the sex item). Only when no recorded sex is given (`sex` None: the
    command line without --sex) does the entered line decide.
    """
    calendar = definition.calendar
    assert calendar is not None
    item = definition.item(calendar.sex_item)
    lines = calendar.heavy_day_min_drinks
    strictest = int(min(lines, key=lambda option: lines[option]))
    given = (sex or "").strip().lower()
    if given in calendar.sex_words:
        line = calendar.sex_words[given]
        why = f"the patient's recorded sex is {given}"
    elif sex is None:
        return strictest if entered is None else entered
    else:
        line = strictest
        why = (
            f"the patient's sex is recorded as {given or 'unknown'}, not male or female, so "
            "the stricter line applies"
        )
    if entered is not None and entered != line:
        raise AnswerError(
            item.id,
            str(line),
            f"{item.id} ({item.name}): got {entered} ({_option_label(item, entered)}), but "
            f"{why}: {line} ({_option_label(item, line)}). Correct the patient's recorded sex "
            "or leave this answer empty.",
        )
    return line


def _drinking(definition: InstrumentDefinition, values: Mapping[str, Any]):
    calendar = definition.calendar
    assert calendar is not None
    return summarise(calendar, values[calendar.sex_item], values[calendar.day_item])


def _subscales(definition: InstrumentDefinition, values: Mapping[str, Any]) -> dict[str, int]:
    if definition.calendar is not None:
        return _drinking(definition, values).subscales()
    return {s.name: sum(values[i] for i in s.items) for s in definition.subscales}


def score(
    definition: InstrumentDefinition,
    answers: Sequence[Number | str],
    *,
    sex: str | None = None,
) -> ScoreResult:
    """Score one administration; `answers` are item values in item order.

    Units: points on the instrument's own scale. Method, ranges, bands, subscales, safety
    flags, triage rules and sex-dependent screens come from the definition file, each citing
    its source (e.g. [@chernik-1990] for MOAA/S, [@chung-1995] for PADSS). `sex` is the patient's
    recorded sex ("male", "female", "other", "unknown" or None), read by a screen (AUDIT-C)
    and by the TLFB's heavy-day line (`heavy_day_line`); other than male or female it gets
    the stricter cut-off or line. Raises AnswerError on a wrong count, an out-of-range value,
    a broken skip rule or a TLFB line that contradicts the recorded sex.
    """
    values = validate_answers(definition, answers)
    calendar = definition.calendar
    if calendar is not None:
        line = heavy_day_line(definition, values[calendar.sex_item], sex)
        values = {**values, calendar.sex_item: line}
    total = _total(definition, values)
    risk = _risk(definition, values)
    flags = _flags(definition, values, risk)
    screen = None
    if definition.screen is not None and total is not None:
        screen = screen_outcome(definition.screen, total, sex)
        if screen.positive:
            flags = (*flags, screen.flag)
    return ScoreResult(
        instrument=definition.code,
        version=definition.version,
        total=total,
        band=_band(definition, total),
        subscales=_subscales(definition, values),
        flags=flags,
        risk=risk,
        item_values=values,
        screen=screen,
    )
