"""Password reset by e-mail, on Django's views and token generator with the project's pages.

The answer is the same whether or not the address belongs to anyone, requests are throttled
per client and per address in the shared cache, and a link for someone whose access has
ended is refused."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from ketamine_care.accounts import services, throttle
from ketamine_care.accounts.models import User
from ketamine_care.core.middleware import client_ip

WINDOW_SECONDS = 3600


class ResetRequestForm(PasswordResetForm):
    def get_users(self, email):
        """Only people who still work somewhere receive a link."""
        return (
            User.objects.filter(email__iexact=email, is_active=True)
            .filter(memberships__is_active=True)
            .distinct()
        )


def _throttled(request) -> bool:
    limit = getattr(settings, "PASSWORD_RESETS_PER_HOUR", 5)
    email = (request.POST.get("email") or "").strip().lower()
    by_client = throttle.allow(
        scope="password-reset-ip",
        key=client_ip(request) or "",
        limit=limit * 4,
        window_seconds=WINDOW_SECONDS,
    )
    by_address = throttle.allow(
        scope="password-reset-email", key=email, limit=limit, window_seconds=WINDOW_SECONDS
    )
    return not (by_client and by_address)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "accounts/password_reset.html"

    def post(self, request, *args, **kwargs):
        if _throttled(request):
            return render(request, "accounts/password_reset.html", {"throttled": True}, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # The e-mail is a job (`mail_jobs`), with the project's templates.
        services.request_password_reset(form=form, request=self.request)
        return render(self.request, "accounts/password_reset.html", {"sent": True})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # A reset link of someone whose access has ended opens nothing.
        if user is not None and not user.memberships.filter(is_active=True).exists():
            return None
        return user

    def form_valid(self, form):
        services.reset_password(form=form, request=self.request)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, "Your password is changed. Sign in with it now.")
        return redirect(self.success_url)


password_reset = PasswordResetView.as_view()
password_reset_confirm = PasswordResetConfirmView.as_view()
