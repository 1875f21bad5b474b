"""Sign-in with an optional (or, for some roles, mandatory) TOTP step, and clinic switching."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketamine_care.accounts import services
from ketamine_care.accounts.forms import LoginForm, OtpForm
from ketamine_care.accounts.landing import landing_for
from ketamine_care.accounts.middleware import current_membership
from ketamine_care.accounts.models import Membership

WRONG_CODE = (
    "That code is wrong or expired. After several wrong codes, wait a minute, "
    "then enter the current code."
)


def _next_url(request) -> str:
    """Where to go after signing in: the `next` asked for, else the role's landing page."""
    default = _landing_url(request)
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _landing_url(request) -> str:
    membership = current_membership(request) if request.user.is_authenticated else None
    return reverse(landing_for(membership)) if membership is not None else "/"


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer while sign-ins are paused: the API's JSON error shape on /api/ (a
    token request), the page elsewhere."""
    if request.path.startswith("/api/"):
        body = {
            "error": "locked_out",
            "message": "Too many failed sign-ins; try again later.",
            "fields": {},
        }
        return JsonResponse(body, status=429)
    return render(request, "accounts/locked_out.html", status=429)


@require_http_methods(["GET", "POST"])
def login_view(request):
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        try:
            user = authenticate(request, email=email, password=form.cleaned_data["password"])
        except PermissionDenied:
            user = None
        if getattr(request, "axes_locked_out", False):
            return render(request, "accounts/locked_out.html", status=429)
        if user is None:
            services.record_failed_sign_in(email=email, request=request)
            error = "The email or password is not correct."
        else:
            services.sign_in(request=request, user=user)
            if user_has_device(user, confirmed=True):
                return redirect(f"/accounts/two-factor/?next={_next_url(request)}")
            return redirect(_next_url(request))
    # The form carries only a `next` that was asked for: without one, the landing page is
    # chosen after sign-in, when the role is known.
    asked = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "accounts/login.html", {"form": form, "error": error, "next": asked})


@require_POST
def logout_view(request):
    services.sign_out(request=request)
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    if not user_has_device(request.user, confirmed=True):
        return redirect(f"/accounts/two-factor/setup/?next={_next_url(request)}")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Backup codes are lower-case letters and digits; people type them in capitals too.
        device = match_token(request.user, form.cleaned_data["code"].strip().lower())
        if device is not None:
            services.verify_second_factor(request=request, device=device)
            return redirect(_next_url(request))
        form.add_error("code", WRONG_CODE)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    if user_has_device(request.user, confirmed=True):
        return redirect(f"/accounts/two-factor/?next={_next_url(request)}")
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            services.enrol_second_factor(request=request, device=device)
            messages.success(request, "Two-factor authentication is now on for your account.")
            return redirect(_next_url(request))
        form.add_error("code", WRONG_CODE)
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": _base32(device.bin_key),
            "next": _next_url(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def backup_codes(request):
    """New single-use backup codes, shown once; only with an authenticator, in a session
    verified with it."""
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        messages.info(request, "Set up an authenticator app first; backup codes stand in for it.")
        return redirect("accounts:otp_setup")
    if not request.user.is_verified():
        return redirect(f"{reverse('accounts:otp_verify')}?next={request.path}")
    codes = services.generate_backup_codes(request=request) if request.method == "POST" else []
    left = StaticToken.objects.filter(device__user=request.user).count()
    return render(request, "accounts/backup_codes.html", {"codes": codes, "left": left})


def _base32(key: bytes) -> str:
    return b32encode(key).decode().rstrip("=")


@login_required
@require_POST
def switch_clinic_view(request):
    membership = (
        Membership.objects.select_related("clinic", "user")
        .filter(user=request.user, is_active=True, clinic__public_id=request.POST.get("clinic"))
        .first()
    )
    if membership is None:
        raise Http404("No membership in that clinic.")
    services.switch_clinic(request=request, membership=membership)
    messages.info(request, f"You are now working in {membership.clinic.name}.")
    return redirect("patients:list")
