"""Protocol versions of a clinic: activate, draft, publish, retire. Each audits in its
transaction. Only a medical director (Capability.MANAGE_PROTOCOLS) may call these; the check
is repeated here because a protocol change alters every later dose and verdict."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ketamine_care.accounts.permissions import Capability, actor_may
from ketamine_care.audit.services import record
from ketamine_care.core.errors import Conflict, NotPermitted, StateError, ValidationFailed
from ketamine_care.protocols.clinic_values import (
    ClinicValueError,
    apply_clinic_values,
    apply_draft_edits,
)
from ketamine_care.protocols.editable_fields import Change, describe_changes, editable_fields
from ketamine_care.protocols.library import UnknownProtocol, load_definition
from ketamine_care.protocols.models import (
    ClinicProtocol,
    ProtocolVersion,
    VersionSource,
    VersionStatus,
)
from ketamine_care.protocols.pinning import pin_rules
from ketamine_care.protocols.update import UpdatePlan, plan_update, updated_definition


def _require_director(clinic, actor) -> None:
    if not actor_may(actor, clinic.pk, Capability.MANAGE_PROTOCOLS):
        raise NotPermitted("Only the clinic's medical director manages protocols.")


def _field_errors(exc: ClinicValueError, prefix: str) -> ValidationFailed:
    return ValidationFailed(
        "Please correct the protocol values.",
        fields={f"{prefix}.{path}": message for path, message in exc.fields.items()},
    )


def _audit(event_type: str, version: ProtocolVersion, actor, request, **changes: Any) -> None:
    record(
        event_type=event_type,
        actor=actor,
        clinic=version.clinic_protocol.clinic,
        obj=version,
        changes={
            "protocol": version.protocol_id,
            "version": version.version,
            "definition_version": version.definition.get("version"),
            "pinned": _pin_digests(version.pinned_rules),
            **changes,
        },
        request=request,
    )


def _pin_digests(pins: dict) -> dict:
    """What the audit row names of the pinned rules: their digests, not their content."""
    named: dict[str, Any] = {k: p["digest"] for k, p in pins.items() if "digest" in p}
    if "instruments" in pins:
        named["instruments"] = {code: p["digest"] for code, p in pins["instruments"].items()}
    return named


def activate_protocol(
    *, clinic, protocol_id: str, actor, clinic_values: dict | None = None, request=None
) -> ProtocolVersion:
    """Copy the shipped definition into the clinic's first active version of `protocol_id`."""
    _require_director(clinic, actor)
    try:
        shipped = load_definition(protocol_id)
    except UnknownProtocol as exc:
        raise ValidationFailed(str(exc), fields={"protocol_id": "Unknown protocol."}) from None
    existing = ClinicProtocol.objects.filter(clinic=clinic, protocol_id=protocol_id).first()
    if existing and existing.versions.exclude(status=VersionStatus.DRAFT).exists():
        raise Conflict(
            f"{protocol_id} is already activated in this clinic; make a new draft to change it."
        )
    try:
        definition, values = apply_clinic_values(
            shipped.model_dump(mode="json"), dict(clinic_values or {})
        )
    except ClinicValueError as exc:
        raise _field_errors(exc, "clinic_values") from None
    try:
        with transaction.atomic():
            clinic_protocol, _ = ClinicProtocol.objects.get_or_create(
                clinic=clinic, protocol_id=protocol_id
            )
            version = ProtocolVersion.objects.create(
                clinic_protocol=clinic_protocol,
                version=_locked_next_number(clinic_protocol),
                definition=definition,
                clinic_values=values,
                status=VersionStatus.ACTIVE,
                source=VersionSource.SHIPPED,
                created_by=actor,
                activated_by=actor,
                activated_at=timezone.now(),
                pinned_rules=pin_rules(definition),
                pinned_at=timezone.now(),
            )
            _audit("protocol.activated", version, actor, request, clinic_values=values)
    except IntegrityError as exc:  # a concurrent activation won
        raise Conflict(f"{protocol_id} was activated at the same time by someone else.") from exc
    return version


def check_activation(*, clinic, protocol_id: str, actor, clinic_values: dict) -> None:
    """The checks `activate_protocol` makes, without writing (the confirmation step)."""
    _require_director(clinic, actor)
    try:
        apply_clinic_values(load_definition(protocol_id).model_dump(mode="json"), clinic_values)
    except ClinicValueError as exc:
        raise _field_errors(exc, "clinic_values") from None


def _next_number(clinic_protocol: ClinicProtocol) -> int:
    return (clinic_protocol.versions.aggregate(n=Max("version"))["n"] or 0) + 1


def _lock(clinic_protocol: ClinicProtocol) -> None:
    """Lock the protocol's row until the transaction ends (call it inside one). Every write
    that numbers a new version, publishes one or retires one takes it first, so two such
    writes at the same moment run one after the other and the second reads what the first
    committed (READ COMMITTED: each later statement sees it)."""
    ClinicProtocol.objects.select_for_update(of=("self",), no_key=True).get(pk=clinic_protocol.pk)


def _locked_next_number(clinic_protocol: ClinicProtocol) -> int:
    """The next version number, the protocol's row locked. Two drafts saved at the same
    moment would otherwise both take the same number and the second would break
    `protocol_version_unique`: now the second waits here for the first to commit and takes
    the number after it, a draft of its own."""
    _lock(clinic_protocol)
    return _next_number(clinic_protocol)


def _drafted(
    from_version: ProtocolVersion, edits: dict[str, Any], number: int
) -> tuple[dict, dict]:
    label = f"{from_version.parsed().version.split('+')[0]}+clinic.{number}"
    try:
        return apply_draft_edits(
            from_version.definition, from_version.clinic_values, dict(edits), label
        )
    except ClinicValueError as exc:
        raise _field_errors(exc, "edits") from None


def preview_draft(*, from_version: ProtocolVersion, edits: dict[str, Any], actor) -> list[Change]:
    """The changes `edits` would make, in words, after the same checks `create_draft` makes;
    nothing is written (the confirmation step before a draft is saved)."""
    _require_director(from_version.clinic_protocol.clinic, actor)
    if from_version.status != VersionStatus.ACTIVE:
        raise StateError("Drafts are made from the active version.")
    _drafted(from_version, edits, _next_number(from_version.clinic_protocol))
    shipped = load_definition(from_version.protocol_id).model_dump(mode="json")
    fields = editable_fields(from_version.definition, shipped, from_version.clinic_values)
    return describe_changes(fields, edits)


def create_draft(
    *, from_version: ProtocolVersion, edits: dict[str, Any], actor, note: str = "", request=None
) -> ProtocolVersion:
    """A new draft from the active version with `edits` (dotted path -> value) applied."""
    clinic_protocol = from_version.clinic_protocol
    _require_director(clinic_protocol.clinic, actor)
    if from_version.status != VersionStatus.ACTIVE:
        raise StateError("Drafts are made from the active version.")
    before = editable_fields(from_version.definition, {}, from_version.clinic_values)
    previous = {path: next((f.current for f in before if f.path == path), None) for path in edits}
    with transaction.atomic():
        number = _locked_next_number(clinic_protocol)
        definition, values = _drafted(from_version, edits, number)
        draft = _draft_row(from_version, number, definition, values, note, actor)
        _audit(
            "protocol.draft_created",
            draft,
            actor,
            request,
            edits=edits,
            previous=previous,
            note=note,
        )
    return draft


def _draft_row(
    from_version, number, definition, values, note, actor, **extra: Any
) -> ProtocolVersion:
    """A draft version `number` based on `from_version` (an edit unless `extra` says)."""
    return ProtocolVersion.objects.create(
        clinic_protocol=from_version.clinic_protocol,
        version=number,
        definition=definition,
        clinic_values=values,
        status=VersionStatus.DRAFT,
        based_on=from_version,
        change_note=(note or "").strip()[:2000],
        created_by=actor,
        **{"source": VersionSource.EDITED, **extra},
    )


def publish_draft(*, version: ProtocolVersion, actor, request=None) -> ProtocolVersion:
    """Make a draft the active version; the version active at that moment is retired.

    The draft's status and the active version are read again with the protocol locked: a
    draft published twice at once (a double click, two tabs) is published once and the second
    is told so; of two drafts published at once, the later one retires the version the earlier
    one just made active, as it would a minute later. Publishing never compares a draft with
    the version it was drafted from, so the audit names both that version and the one retired.
    """
    _require_director(version.clinic_protocol.clinic, actor)
    with transaction.atomic():
        _lock(version.clinic_protocol)
        version.refresh_from_db(fields=["status"])
        _refuse_unless_draft(version)
        now = timezone.now()
        previous = version.clinic_protocol.active_version()
        if previous is not None:
            previous.status, previous.retired_at = VersionStatus.RETIRED, now
            previous.save(update_fields=["status", "retired_at", "updated_at"])
        _make_active(version, actor, now)
        _audit(
            "protocol.published",
            version,
            actor,
            request,
            retired_version=previous.version if previous else None,
            based_on_version=version.based_on.version if version.based_on_id else None,
        )
    return version


def _refuse_unless_draft(version: ProtocolVersion) -> None:
    if version.status == VersionStatus.ACTIVE:
        raise StateError(
            f"Version {version.version} is already published: it is the active version."
        )
    if version.status != VersionStatus.DRAFT:
        raise StateError(
            f"Version {version.version} was already published and has since been retired."
        )


def _make_active(version: ProtocolVersion, actor, now) -> None:
    version.status, version.activated_by, version.activated_at = VersionStatus.ACTIVE, actor, now
    version.pinned_rules, version.pinned_at = pin_rules(version.definition), now
    version.save(
        update_fields=[
            *("status", "activated_by", "activated_at", "pinned_rules", "pinned_at"),
            "updated_at",
        ]
    )


def retire(*, version: ProtocolVersion, actor, request=None) -> ProtocolVersion:
    """Take an active version out of use; existing plans and verdicts keep pinning it. The
    status is read again with the protocol locked: retired twice at once, or retired while a
    draft publication retires it, it is retired once and the other is told so."""
    _require_director(version.clinic_protocol.clinic, actor)
    with transaction.atomic():
        _lock(version.clinic_protocol)
        version.refresh_from_db(fields=["status"])
        if version.status == VersionStatus.RETIRED:
            raise StateError(f"Version {version.version} is already retired.")
        if version.status != VersionStatus.ACTIVE:
            raise StateError("Only the active version can be retired.")
        version.status, version.retired_at = VersionStatus.RETIRED, timezone.now()
        version.save(update_fields=["status", "retired_at", "updated_at"])
        _audit("protocol.retired", version, actor, request)
    return version


def preview_update(*, from_version: ProtocolVersion, actor, clinic_values=None) -> UpdatePlan:
    """What a draft from the library's newer definition would carry and change (nothing is
    written); refused when the version already rests on the library's definition."""
    _require_director(from_version.clinic_protocol.clinic, actor)
    if from_version.status != VersionStatus.ACTIVE:
        raise StateError("Drafts are made from the active version.")
    plan = plan_update(from_version, clinic_values)
    if plan is None:
        raise StateError("The active version already uses the shipped definition.")
    return plan


def create_update_draft(
    *,
    from_version: ProtocolVersion,
    keep,
    actor,
    clinic_values: dict | None = None,
    note: str = "",
    request=None,
) -> ProtocolVersion:
    """A draft of the library's newer definition with the clinic's values and, of the
    clinic's own changes, those named in `keep` (paths) carried onto it."""
    given = dict(clinic_values or {})
    plan = preview_update(from_version=from_version, actor=actor, clinic_values=given)
    carried = [c.field.path for c in plan.carried if c.field.path in set(keep)]
    with transaction.atomic():
        number = _locked_next_number(from_version.clinic_protocol)
        try:
            definition, values, base = updated_definition(plan, set(keep), number)
        except ClinicValueError as exc:
            raise _field_errors(exc, "clinic_values") from None
        draft = _draft_row(
            from_version,
            number,
            definition,
            values,
            note,
            actor,
            source=VersionSource.UPDATED,
            shipped_base=base,
        )
        _audit(
            "protocol.update_drafted",
            draft,
            actor,
            request,
            shipped_version=plan.shipped_version,
            from_definition_version=plan.base_version,
            carried=carried,
            not_carried=plan.not_carried,
            note=note,
        )
    return draft
