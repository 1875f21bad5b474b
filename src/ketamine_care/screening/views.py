"""Screening screens on the chart: the workup, a verdict with its reasons, override, co-sign."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability, has_capability
from ketamine_care.core.clock import clinic_today
from ketamine_care.core.errors import DomainError
from ketamine_care.core.labels import humanise
from ketamine_care.outcomes.crisis import DEFAULT_CRISIS_PROTOCOL
from ketamine_care.outcomes.models import ClinicSafetySettings
from ketamine_care.patients.access import access_patient
from ketamine_care.patients.allergies import allergy_summary
from ketamine_care.patients.services import record_chart_view
from ketamine_care.protocols.queries import active_version, active_versions
from ketamine_care.screening import checked, forms, interactions, labels, services
from ketamine_care.screening.access import access_verdict
from ketamine_care.screening.describe import describe
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.screening.record_facts import facts_from_record, latest_cssrs, merge_answers


def _apply_errors(form, error: DomainError) -> None:
    for field, message in error.fields.items():
        name = field.removeprefix("facts.")
        form.add_error(name if name in form.fields else None, f"{name}: {message}")
    if not error.fields:
        form.add_error(None, error.message)


def _counts_toward_dze(medication) -> bool:
    drug = interactions.find_drug(medication.name)
    listed = drug is not None and drug.equivalent_to_diazepam_10mg is not None
    return listed or medication.drug_class == "benzodiazepine"


def _unclassified(patient, record) -> list[tuple[str, str]]:
    labels = {d.icd10_code.strip().upper(): d.label for d in patient.diagnoses.active()}
    return [(code, labels.get(code, "")) for code in record.get("icd10_codes", [])]


@clinic_required(Capability.SCREEN_PATIENT)
@require_http_methods(["GET", "POST"])
def workup(request, patient_id):
    patient = access_patient(request.membership, patient_id, Capability.SCREEN_PATIENT)
    protocols = active_versions(request.membership.clinic)
    record = facts_from_record(patient, clinic_today(patient.clinic))
    initial = {"protocol": request.GET.get("protocol", "")}
    form = forms.WorkupForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        protocols=protocols,
        benzodiazepines=[m for m in patient.medications.active() if _counts_toward_dze(m)],
        unclassified=_unclassified(patient, record),
    )
    if request.method == "POST" and form.is_valid():
        version = active_version(request.membership.clinic, form.cleaned_data["protocol"])
        try:
            verdict = services.screen_patient(
                patient=patient,
                protocol_version=version,
                facts=merge_answers(record, form.answers()),
                actor=request.user,
                request=request,
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            if request.htmx:
                return render(
                    request, "screening/verdict.html#verdict", _verdict_context(request, verdict)
                )
            return redirect(
                "screening:verdict", patient_id=patient.public_id, verdict_id=verdict.public_id
            )
    else:
        record_chart_view(patient=patient, actor=request.user, request=request, part="screening")
    context = {
        "patient": patient,
        "form": form,
        "record": record,
        "protocols": protocols,
        "cssrs": latest_cssrs(patient),
        "allergies": allergy_summary(patient),
    }
    return render(request, "screening/workup.html", context, status=422 if form.errors else 200)


def _crisis_protocol(verdict) -> str:
    """The clinic's crisis protocol when a suicide-risk rule holds, else ""."""
    if not any(
        r["rule"].startswith("suicide.") and r["severity"] == "requires_override"
        for r in verdict.reasons
    ):
        return ""
    settings = ClinicSafetySettings.objects.filter(clinic_id=verdict.patient.clinic_id).first()
    return settings.crisis_protocol if settings else DEFAULT_CRISIS_PROTOCOL


def _verdict_context(request, verdict, override_form=None, cosign_form=None) -> dict:
    m = request.membership
    return {
        "patient": verdict.patient,
        "verdict": verdict,
        "override_form": override_form or forms.OverrideForm(),
        "cosign_form": cosign_form or forms.CosignForm(),
        "can_override": has_capability(m, Capability.OVERRIDE_SCREENING)
        and verdict.can_be_overridden,
        "can_cosign": has_capability(m, Capability.COSIGN_SCREENING)
        and verdict.awaits_cosign
        and verdict.overridden_by_id != request.user.pk,
        "can_plan": has_capability(m, Capability.PLAN_TREATMENT)
        and verdict.permits_treatment
        and verdict.protocol_version.is_active,
        "crisis_protocol": _crisis_protocol(verdict),
        "reasons": _reasons_in_words(verdict),
        "to_record": _to_record(verdict),
        **_what_was_checked(verdict),
    }


def _what_was_checked(verdict) -> dict:
    """Every criterion of the pinned rule set with its result, and the facts used."""
    try:
        rule_set, _ = services.pinned_rule_set(verdict.protocol_version)
    except (LookupError, ValueError):
        criteria = []
    else:
        criteria = checked.criteria_checked(rule_set, verdict.facts)
    return {"criteria": criteria, "facts_used": checked.facts_in_words(verdict.facts)}


def _to_record(verdict) -> list[tuple[str, int]]:
    """What the verdict's missing-information reasons ask for, each fact once in words with
    the number of rules it leaves open, the most rules first: one missing medication review
    leaves every medication rule open, and reads better once than once per rule."""
    counts: dict[str, int] = {}
    for reason in verdict.reasons:
        if reason.get("severity") != "missing_information":
            continue
        for fact in dict.fromkeys(labels.fact_words(m) for m in reason.get("missing") or ()):
            counts[fact] = counts.get(fact, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _reasons_in_words(verdict) -> list[dict]:
    """Each reason with its rule's condition in words ("age under 18 years"), read from the
    rule set the verdict was decided by, and a missing fact named in words; a rule the pin no
    longer holds shows its id in words and its stored message."""
    try:
        rule_set, _ = services.pinned_rule_set(verdict.protocol_version)
    except (LookupError, ValueError):  # an unreadable pin: the verdict shows the rule names
        rules = {}
    else:
        rules = {rule.id: rule for rule in rule_set.rules}
    shown = []
    for reason in verdict.reasons:
        rule = rules.get(reason.get("rule"))
        if rule is None:
            shown.append({**reason, "criterion": humanise(reason.get("rule"))})
            continue
        condition = rule.condition.model_dump(by_alias=True, exclude_none=True)
        message = reason.get("message", "")
        if reason.get("severity") == "missing_information" and reason.get("missing"):
            facts = ", ".join(labels.fact_words(m) for m in reason["missing"])
            severity = labels.SEVERITIES.get(rule.severity, humanise(rule.severity)).lower()
            message = (
                f"Not recorded: {facts}. This rule cannot be checked until it is; "
                f"if it applies ({severity}): {rule.message}"
            )
        shown.append({**reason, "criterion": describe(condition), "message": message})
    return shown


def _verdict(request, patient_id, verdict_id, capability) -> ScreeningVerdict:
    return access_verdict(request.membership, patient_id, verdict_id, capability)


@clinic_required(Capability.VIEW_TREATMENT)
def verdict_detail(request, patient_id, verdict_id):
    verdict = _verdict(request, patient_id, verdict_id, Capability.VIEW_TREATMENT)
    record_chart_view(
        patient=verdict.patient, actor=request.user, request=request, part="screening"
    )
    return render(request, "screening/verdict.html", _verdict_context(request, verdict))


@clinic_required(Capability.VIEW_TREATMENT)  # role and method checked after the lookup
def override(request, patient_id, verdict_id):
    verdict = _verdict(request, patient_id, verdict_id, Capability.OVERRIDE_SCREENING)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.override_screening(
                verdict=verdict,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Override recorded. The medical director will co-sign it.")
            return redirect("screening:verdict", patient_id=patient_id, verdict_id=verdict_id)
    context = _verdict_context(request, verdict, override_form=form)
    return render(request, "screening/verdict.html", context, status=422)


@clinic_required(Capability.VIEW_TREATMENT)  # role and method checked after the lookup
def cosign(request, patient_id, verdict_id):
    verdict = _verdict(request, patient_id, verdict_id, Capability.COSIGN_SCREENING)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.CosignForm(request.POST)
    if form.is_valid():
        try:
            services.cosign_override(
                verdict=verdict, note=form.cleaned_data["note"], actor=request.user, request=request
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Override co-signed.")
            return redirect("screening:verdict", patient_id=patient_id, verdict_id=verdict_id)
    context = _verdict_context(request, verdict, cosign_form=form)
    return render(request, "screening/verdict.html", context, status=422)
