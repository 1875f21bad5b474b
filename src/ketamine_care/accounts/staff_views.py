"""The clinic admin's staff pages: invite, one person's access (role, end or restore access,
another clinic), pending invitations and the clinic's settings; and the invitee's page that
accepts an invitation. Thin: forms parse, `staffing` services change and audit."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketamine_care.accounts import forms, second_factor_reset, services, staffing
from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.middleware import SESSION_CLINIC_KEY
from ketamine_care.accounts.models import Clinic, Invitation, Membership, Role, User
from ketamine_care.accounts.permissions import Capability, require
from ketamine_care.core.errors import DomainError


def _apply_errors(form, error: DomainError) -> None:
    """Field errors beside their fields; a refusal of the whole act as the form's error."""
    for field, message in error.fields.items():
        form.add_error(field if field in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)


@clinic_required(Capability.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def invite(request):
    form = forms.InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = staffing.invite_user(
                clinic=request.membership.clinic,
                actor=request.user,
                request=request,
                **form.cleaned_data,
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("accounts:administration")
    status = 422 if form.errors else 200
    return render(request, "accounts/invite.html", {"form": form}, status=status)


@clinic_required()
def invitation(request, invitation_id):
    """Resend or cancel a pending invitation of the clinic (POST only; the method is checked
    after the clinic and the role, so another clinic's invitation is not found)."""
    found = Invitation.objects.filter(
        clinic=request.membership.clinic, public_id=invitation_id
    ).first()
    if found is None:
        raise Http404("No such invitation in this clinic.")
    require(request.membership, Capability.MANAGE_MEMBERS)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.InvitationActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to resend or cancel the invitation.")
        return redirect("accounts:administration")
    act = staffing.resend_invitation if form.cleaned_data["action"] == "resend" else None
    act = act or staffing.cancel_invitation
    try:
        act(invitation=found, actor=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        done = "sent again" if act is staffing.resend_invitation else "cancelled"
        messages.success(request, f"The invitation of {found.email} was {done}.")
    return redirect("accounts:administration")


def _administered_clinics(request, membership: Membership):
    """Other clinics the signed-in admin also administers, where this person has no access."""
    return (
        Clinic.objects.filter(
            memberships__user=request.user,
            memberships__role=Role.CLINIC_ADMIN,
            memberships__is_active=True,
        )
        .exclude(pk=membership.clinic_id)
        .exclude(memberships__user=membership.user, memberships__is_active=True)
        .distinct()
    )


# POSTed `action` -> (form class, service). Each form needs a field, so an empty POST
# changes nothing.
_MEMBER_ACTIONS = {
    "role": forms.RoleForm,
    "deactivate": forms.DeactivateForm,
    "reactivate": forms.ReactivateForm,
    "add_membership": forms.AddMembershipForm,
    "reset_second_factor": forms.ResetSecondFactorForm,
    "confirm_reset": forms.ConfirmResetForm,
}


def _member_forms(request, member: Membership, action: str | None) -> dict:
    clinics = _administered_clinics(request, member)
    built = {}
    for name, form_class in _MEMBER_ACTIONS.items():
        data = request.POST if name == action else None
        kwargs = {"clinics": clinics} if name == "add_membership" else {}
        initial = {"role": member.role} if name in ("role", "add_membership") else None
        built[name] = form_class(data, initial=initial, **kwargs)
    return built


def _act_on_member(request, member: Membership, action: str, form) -> None:
    common = {"actor": request.user, "request": request}
    if action == "role":
        staffing.change_role(membership=member, role=form.cleaned_data["role"], **common)
        messages.success(request, f"{member.user} is now {member.get_role_display().lower()}.")
    elif action == "deactivate":
        staffing.deactivate_membership(membership=member, **common)
        messages.success(request, f"{member.user} no longer has access to this clinic.")
    elif action == "reactivate":
        staffing.reactivate_membership(membership=member, **common)
        messages.success(request, f"{member.user} has access again.")
    elif action == "reset_second_factor":
        second_factor_reset.request_second_factor_reset(membership=member, **common)
        messages.success(request, "Asked. A second clinic admin must now confirm the reset.")
    elif action == "confirm_reset":
        second_factor_reset.confirm_second_factor_reset(membership=member, **common)
        messages.success(request, f"{member.user} sets up a new authenticator at next sign-in.")
    else:
        clinic, role = form.cleaned_data["clinic"], form.cleaned_data["role"]
        staffing.add_membership(user=member.user, clinic=clinic, role=role, **common)
        messages.success(request, f"{member.user} now also works in {clinic.name}.")


@clinic_required()
@require_http_methods(["GET", "POST"])
def member(request, member_id):
    """One person's access to this clinic; another clinic's person is not found (404)."""
    found = (
        Membership.objects.select_related("user", "clinic")
        .filter(clinic=request.membership.clinic, user__public_id=member_id)
        .first()
    )
    if found is None:
        raise Http404("No such person in this clinic.")
    require(request.membership, Capability.MANAGE_MEMBERS)
    action = request.POST.get("action") if request.method == "POST" else None
    built = _member_forms(request, found, action)
    form = built.get(action)
    refused = None
    if form is not None and form.is_valid():
        try:
            _act_on_member(request, found, action, form)
        except DomainError as error:
            _apply_errors(form, error)
            refused = error.message if not error.fields else None
        else:
            return redirect("accounts:member", member_id=member_id)
    status = 422 if form is not None and form.errors else 200
    others = Membership.objects.filter(user=found.user).exclude(pk=found.pk)
    context = {
        "member": found,
        "forms": built,
        "other_clinics": others.select_related("clinic"),
        "has_authenticator": TOTPDevice.objects.filter(user=found.user).exists(),
        "pending_reset": second_factor_reset.pending_reset(found),
        "refused": refused,  # shown at the top: the form it came from may be hidden now
    }
    return render(request, "accounts/member.html", context, status=status)


@clinic_required(Capability.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def clinic_settings(request):
    clinic = request.membership.clinic
    # The form edits a copy: a refused entry must not rename the clinic in the page header.
    form = forms.ClinicSettingsForm(request.POST or None, instance=Clinic.objects.get(pk=clinic.pk))
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in staffing.CLINIC_SETTINGS_FIELDS}
        staffing.update_clinic_settings(
            clinic=clinic, actor=request.user, values=values, request=request
        )
        messages.success(request, "The clinic's settings are saved.")
        return redirect("accounts:clinic_settings")
    status = 422 if form.errors else 200
    return render(request, "accounts/clinic_settings.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def accept_invitation(request, token):
    """The invitee sets a password (or confirms their existing one) and is signed in; roles
    that need a second factor are then sent on to enrol one by the middleware."""
    found = staffing.invitation_from_link(token)
    problem = staffing.invitation_problem(found)
    if problem:
        status = 404 if found is None else 410
        return render(
            request, "accounts/accept_invitation.html", {"problem": problem}, status=status
        )
    existing = User.objects.filter(email__iexact=found.email).first()
    if existing is not None:
        form = forms.ExistingPasswordForm(request.POST or None, user=existing)
    else:
        form = forms.NewPasswordForm(
            request.POST or None, email=found.email, full_name=found.full_name
        )
    if request.method == "POST" and form.is_valid():
        try:
            user = staffing.accept_invitation(
                invitation=found, password=form.cleaned_data["password1"], request=request
            )
        except DomainError as error:
            context = {"problem": error.message}
            return render(request, "accounts/accept_invitation.html", context, status=410)
        services.sign_in(request=request, user=user)
        request.session[SESSION_CLINIC_KEY] = str(found.clinic.public_id)
        messages.success(request, f"Welcome to {found.clinic.name}.")
        return redirect("home")
    context = {"invitation": found, "form": form, "existing": existing is not None}
    status = 422 if form.errors else 200
    return render(request, "accounts/accept_invitation.html", context, status=status)
