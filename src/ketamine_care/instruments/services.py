"""Writes for rating-scale administrations. Authorization happens before these calls."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.instruments.definition import (
    InstrumentDefinition,
    UnknownInstrument,
    UnknownInstrumentVersion,
    content_digest,
    definition,
    definition_content,
    definition_from_content,
    load_definition,
)
from ketamine_care.instruments.models import Administration, Source, TimePoint
from ketamine_care.instruments.scoring import AnswerError, ScoreResult, score
from ketamine_care.patients.services import mark_row_entered_in_error

Answers = Mapping[str, Any] | Sequence[Any]

# Functions (patient, instrument code) -> a protocol version's pin of that instrument, or None.
# Apps above this one register them (dosing: the patient's active treatment plan), so a
# patient treated under a protocol version is scored with the definitions it pinned.
PinFinder = Callable[[Any, str], Mapping[str, Any] | None]
_PIN_FINDERS: list[PinFinder] = []


def register_pin_finder(finder: PinFinder) -> None:
    if finder not in _PIN_FINDERS:
        _PIN_FINDERS.append(finder)


def pinned_definition_for(patient, code: str) -> Mapping[str, Any] | None:
    """The pin of `code` that the patient's current care uses, if any."""
    for finder in _PIN_FINDERS:
        found = finder(patient, code)
        if found is not None:
            return found
    return None


# Functions (administration=, actor=, request=) -> the alerts they raised, called in the
# transaction that stores a new administration. outcomes registers its safety rules here:
# it sits above instruments, so an administration and its alerts commit together without
# instruments importing it.
RecordedHook = Callable[..., list[Any]]
_RECORDED_HOOKS: list[RecordedHook] = []


def register_recorded_hook(hook: RecordedHook) -> None:
    if hook not in _RECORDED_HOOKS:
        _RECORDED_HOOKS.append(hook)


def _run_recorded_hooks(administration: Administration, actor, request) -> list[Any]:
    return [
        alert
        for hook in _RECORDED_HOOKS
        for alert in hook(administration=administration, actor=actor, request=request)
    ]


def check_definition(code: str) -> InstrumentDefinition:
    try:
        return load_definition(code)
    except UnknownInstrument as exc:
        raise ValidationFailed(str(exc), fields={"instrument": str(exc)}) from exc


def _definition_to_use(
    code: str, pinned: Mapping[str, Any] | None
) -> tuple[InstrumentDefinition, str]:
    """The definition to score with and its digest: the copy a protocol version pinned when
    given (so a package upgrade never changes how that version scores), else the current file.
    """
    current = check_definition(code)
    if pinned is None:
        return current, content_digest(definition_content(code))
    content = pinned["content"]
    if content_digest(content) != pinned["digest"]:
        raise StateError(f"The pinned definition of {code} does not match its digest.")
    return definition_from_content(content, code=current.code), pinned["digest"]


def rescore(administration: Administration) -> ScoreResult:
    """Score a stored administration again with the definition version it was scored with
    (current or archived), e.g. to check old data after a definition changed. A screen whose
    cut-off depends on the sex (AUDIT-C) and the TLFB's heavy-day line read the patient's sex
    as recorded now."""
    try:
        used = definition(administration.instrument_code, administration.definition_version)
    except UnknownInstrumentVersion as exc:
        raise StateError(str(exc)) from exc
    if administration.definition_digest:
        content = definition_content(
            administration.instrument_code, administration.definition_version
        )
        if content_digest(content) != administration.definition_digest:
            raise StateError(
                f"{administration.instrument_code} {administration.definition_version} as "
                "shipped now differs from the definition this administration was scored with."
            )
    answers = [administration.answers.get(i) for i in used.item_ids]
    sex = None
    if used.screen is not None or used.calendar is not None:
        sex = administration.patient.sex
    if used.calendar is not None:
        # The heavy-day line follows the sex recorded now, whatever line was stored.
        answers[used.item_ids.index(used.calendar.sex_item)] = None
    return score(used, answers, sex=sex)


def _ordered_answers(definition: InstrumentDefinition, answers: Answers) -> list[Any]:
    """Answers in item order. A mapping must name every item and nothing else."""
    if not isinstance(answers, Mapping):
        return list(answers)
    unknown = sorted(set(answers) - set(definition.item_ids))
    # A TLFB's sex may be left out: the patient's recorded sex picks the heavy-day line.
    optional = {definition.calendar.sex_item} if definition.calendar is not None else set()
    missing = [i for i in definition.item_ids if i not in optional and answers.get(i) in (None, "")]
    errors = {key: f"{definition.code} has no item {key!r}." for key in unknown}
    for item_id in missing:
        item = definition.item(item_id)
        errors[item_id] = f"Answer {item.name} ({item_id}); allowed: {item.describe_allowed()}."
    if errors:
        raise ValidationFailed("Some answers are missing or unknown.", fields=errors)
    return [answers.get(i) for i in definition.item_ids]


def check_and_score(
    definition: InstrumentDefinition, answers: Answers, *, sex: str | None = None
) -> ScoreResult:
    """Score with the pure scorer; an unscorable answer set becomes a 422 naming the item.
    `sex`: the patient's recorded sex, for a screen whose cut-off depends on it (AUDIT-C)."""
    ordered = _ordered_answers(definition, answers)
    try:
        return score(definition, ordered, sex=sex)
    except AnswerError as exc:
        field = exc.item_id or "answers"
        raise ValidationFailed(exc.message, fields={field: exc.message}) from exc


def _check_time(time_point: str, follow_up_day: int | None, when: datetime) -> None:
    errors: dict[str, str] = {}
    if time_point not in TimePoint.values:
        errors["time_point"] = f"Choose one of: {', '.join(TimePoint.values)}."
    if follow_up_day is not None and time_point != TimePoint.FOLLOW_UP:
        errors["follow_up_day"] = "A follow-up day goes only with the follow-up time point."
    if follow_up_day is not None and not 0 <= follow_up_day <= 3650:
        errors["follow_up_day"] = "Give a day from 0 to 3650."
    if when > timezone.now() + timedelta(minutes=5):
        errors["administered_at"] = "The administration time cannot be in the future."
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", fields=errors)


def record_administration(
    *,
    patient,
    instrument_code: str,
    answers: Answers,
    time_point: str,
    source: str = Source.CLINICIAN,
    actor=None,
    administered_at: datetime | None = None,
    follow_up_day: int | None = None,
    pinned_definition: Mapping[str, Any] | None = None,
    request=None,
) -> Administration:
    """Score, store and audit one administration, and raise the clinic's safety alerts in the
    same transaction. `actor` is the entering clinician, None for a patient's self-report.
    `pinned_definition` is a protocol version's pin of this instrument (`version`, `digest`,
    `content`); without it, the pin of the patient's current care is looked up
    (`pinned_definition_for`). The row records the definition's code, version and digest.

    The raised alerts are on `administration.raised_alerts` for the caller to show. AUDIT-C's
    screen reads the patient's recorded sex; a positive screen is a flag, not an alert.
    """
    if not patient.is_active:
        raise StateError("This patient was marked as entered in error and cannot be changed.")
    if source == Source.CLINICIAN and actor is None:
        raise ValidationFailed("A clinician entry needs the entering user.")
    if pinned_definition is None:
        pinned_definition = pinned_definition_for(patient, instrument_code)
    used, digest = _definition_to_use(instrument_code, pinned_definition)
    result = check_and_score(used, answers, sex=patient.sex)
    when = administered_at or timezone.now()
    _check_time(time_point, follow_up_day, when)
    with transaction.atomic():
        administration = Administration.objects.create(
            patient=patient,
            instrument_code=used.code,
            definition_version=used.version,
            definition_digest=digest,
            answers=result.item_values,
            total=result.total,
            band=result.band or "",
            subscales=result.subscales,
            flags=list(result.flags),
            risk=result.risk or "",
            administered_at=when,
            time_point=time_point,
            follow_up_day=follow_up_day,
            source=source,
            entered_by=actor if source == Source.CLINICIAN else None,
        )
        record(
            event_type="administration.recorded",
            actor=actor,
            patient=patient,
            obj=administration,
            changes={"new": {**result.as_json(), "time_point": time_point, "source": source}},
            request=request,
        )
        administration.raised_alerts = _run_recorded_hooks(administration, actor, request)
    return administration


def mark_administration_entered_in_error(
    *, administration: Administration, actor, reason: str, request=None
) -> Administration:
    """Hide a wrong administration from outcomes and charts; the row and its alerts stay."""
    return mark_row_entered_in_error(
        row=administration,
        actor=actor,
        reason=reason,
        request=request,
        event_type="administration.marked_entered_in_error",
    )
