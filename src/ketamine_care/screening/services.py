"""Screening writes: evaluate and store a verdict, override it, co-sign the override.

Each audits in its transaction. Callers authorize first (SCREEN_PATIENT, OVERRIDE_SCREENING,
COSIGN_SCREENING); the clinical rules about what can be overridden are enforced here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketamine_care.audit.services import record
from ketamine_care.core.errors import StateError, ValidationFailed
from ketamine_care.protocols.models import ProtocolVersion
from ketamine_care.protocols.pinning import SCREENING, checked_content
from ketamine_care.screening.evaluator import ScreeningResult, evaluate
from ketamine_care.screening.facts import Facts, FactsError, parse_facts
from ketamine_care.screening.models import ScreeningVerdict, Verdict
from ketamine_care.screening.rule_set import RuleSet, rule_set_from_content


def _facts_fields(exc: FactsError, prefix: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for problem in exc.problems:
        where, _, message = problem.partition(": ")
        fields.setdefault(f"{prefix}.{where}" if prefix else where, message or problem)
    return fields


def pinned_rule_set(protocol_version: ProtocolVersion) -> tuple[RuleSet, dict[str, Any]]:
    """The rule set the version was activated with (never the package's current file), and
    its pin record (id, version, digest)."""
    record = protocol_version.pinned(SCREENING)
    return rule_set_from_content(checked_content(record, "screening rule set")), record


def screen_patient(
    *,
    patient,
    protocol_version: ProtocolVersion,
    facts: dict[str, Any],
    actor,
    request=None,
    fields_prefix: str = "facts",
) -> ScreeningVerdict:
    """Evaluate `facts` against the rule set of an *active* clinic protocol and store it."""
    _check_can_screen(patient, protocol_version)
    parsed = _parsed_facts(facts, fields_prefix)
    definition = protocol_version.parsed()
    result = _evaluate_pinned(protocol_version, parsed, protocol=definition.id)
    stored_facts = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
    with transaction.atomic():
        verdict = ScreeningVerdict.objects.create(
            patient=patient,
            protocol_version=protocol_version,
            protocol_id=definition.id,
            facts=stored_facts,
            result=result.as_record(),
            verdict=result.verdict,
            override_allowed=result.override_allowed,
            rule_set_version=result.rule_set_version,
            rule_set_digest=result.rule_set_digest,
            evaluated_by=actor,
            evaluated_at=timezone.now(),
        )
        record(
            event_type="screening.evaluated",
            actor=actor,
            patient=patient,
            obj=verdict,
            changes={
                "protocol": definition.id,
                "protocol_version": protocol_version.version,
                "verdict": result.verdict,
                "rules": [r.rule for r in result.reasons],
                "rule_set": result.as_record()["rule_set"],
            },
            request=request,
        )
    return verdict


def _check_can_screen(patient, protocol_version: ProtocolVersion) -> None:
    """Only a live patient, and only against a version active in the patient's clinic."""
    if not patient.is_active:
        raise StateError("This patient was marked as entered in error and cannot be screened.")
    if not protocol_version.is_active or protocol_version.clinic_protocol.clinic_id != (
        patient.clinic_id
    ):
        raise StateError("Screen against a protocol version that is active in this clinic.")


def _parsed_facts(facts: dict[str, Any], fields_prefix: str) -> Facts:
    """The typed facts, or `ValidationFailed` naming each invalid field under `fields_prefix`."""
    try:
        return parse_facts(facts)
    except FactsError as exc:
        raise ValidationFailed(
            "Some screening facts are invalid.", fields=_facts_fields(exc, fields_prefix)
        ) from None


def _evaluate_pinned(
    protocol_version: ProtocolVersion, parsed: Facts, *, protocol: str
) -> ScreeningResult:
    """The verdict of the rule set pinned to the version, naming that pinned copy."""
    rule_set, pinned = pinned_rule_set(protocol_version)
    # The verdict names the pinned copy: the same digest as RuleSet.digest for versions pinned
    # at activation, and the stored digest for versions pinned by the backfill migration.
    return replace(
        evaluate(rule_set, parsed, protocol=protocol),
        rule_set_id=pinned["id"],
        rule_set_version=pinned["version"],
        rule_set_digest=pinned["digest"],
    )


def age_changes_reasons(
    protocol_version: ProtocolVersion, screened: dict[str, Any], age_now: float | None
) -> bool:
    """Whether the patient's age today gives other reasons than the age screened, under the
    rule set pinned to the version: an age line of its rules (3 or 12 months, 18, 65...)
    crossed since the verdict. Screened facts the rules no longer read count as changed
    (fail safe: re-screen)."""
    if screened.get("age_years") == age_now:
        return False
    rule_set, _ = pinned_rule_set(protocol_version)
    try:
        then, now = (parse_facts({**screened, "age_years": age}) for age in
                     (screened.get("age_years"), age_now))  # fmt: skip
    except FactsError:
        return True

    def reasons(facts: Facts) -> set[tuple[str, str]]:
        return {(r.rule, r.severity) for r in evaluate(rule_set, facts).reasons}

    return reasons(then) != reasons(now)


def override_screening(
    *, verdict: ScreeningVerdict, reason: str, actor, request=None
) -> ScreeningVerdict:
    """A prescriber proceeds despite a `requires_override` verdict, with a documented reason."""
    reason = (reason or "").strip()
    if verdict.verdict == Verdict.INELIGIBLE:
        raise StateError("An ineligible verdict is an absolute contraindication: no override.")
    if verdict.verdict != Verdict.REQUIRES_OVERRIDE:
        raise StateError("Only a requires-override verdict can be overridden.")
    if not verdict.override_allowed:
        raise StateError(
            "Missing facts leave an absolute contraindication open: record them and re-screen."
        )
    if verdict.is_overridden:
        raise StateError("This verdict is already overridden.")
    if not reason:
        raise ValidationFailed("A reason is required.", fields={"reason": "Document the reason."})
    with transaction.atomic():
        verdict.override_reason = reason[:4000]
        verdict.overridden_by, verdict.overridden_at = actor, timezone.now()
        verdict.save(
            update_fields=["override_reason", "overridden_by", "overridden_at", "updated_at"]
        )
        record(
            event_type="screening.overridden",
            actor=actor,
            patient=verdict.patient,
            obj=verdict,
            changes={"protocol": verdict.protocol_id, "reason": verdict.override_reason},
            request=request,
        )
    return verdict


def cosign_override(
    *, verdict: ScreeningVerdict, actor, note: str = "", request=None
) -> ScreeningVerdict:
    """The medical director co-signs an override. Nobody co-signs their own override."""
    if not verdict.is_overridden:
        raise StateError("Only an overridden verdict can be co-signed.")
    if verdict.cosigned_by_id is not None:
        raise StateError("This override is already co-signed.")
    if verdict.overridden_by_id == actor.pk:
        raise StateError("A co-signature must come from someone other than the prescriber.")
    with transaction.atomic():
        verdict.cosigned_by, verdict.cosigned_at = actor, timezone.now()
        verdict.cosign_note = (note or "").strip()[:4000]
        verdict.save(update_fields=["cosigned_by", "cosigned_at", "cosign_note", "updated_at"])
        record(
            event_type="screening.cosigned",
            actor=actor,
            patient=verdict.patient,
            obj=verdict,
            changes={"protocol": verdict.protocol_id, "note": verdict.cosign_note},
            request=request,
        )
    return verdict
