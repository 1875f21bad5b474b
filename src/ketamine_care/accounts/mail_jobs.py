"""E-mails as background jobs, retried with backoff by the worker (`jobs.runner`).

A link's secret never reaches the database: the job's stored arguments name the invitation
or the user by id, and the secret is made only when the job runs, at the moment the message
is sent. An invitation's row holds the hash of that secret (until then a hash that no link
opens); a password-reset link is Django's token, derived from the user's current password
hash and never stored. A retry makes a new secret, so a link from a failed attempt that was
never delivered does not stay usable. Messages carry a first name, the clinic and a link.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ketamine_care.accounts.models import Invitation, User
from ketamine_care.core import secret_links
from ketamine_care.jobs.models import Job
from ketamine_care.jobs.runner import JobError, enqueue_job, register

INVITATION_MAIL_JOB = "mail.invitation"
PASSWORD_RESET_MAIL_JOB = "mail.password_reset"
INVITATION_SALT = "ketamine_care.accounts.invitation"


def _send(*, subject: str, body: str, recipient: str) -> None:
    try:
        send_mail(subject, body, None, [recipient], fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        # The class only: an SMTP answer may quote the recipient's address.
        raise JobError(f"the e-mail could not be sent ({type(exc).__name__})") from None


def invitation_link(*, token: str, request=None, base_url: str = "") -> str:
    path = reverse("accounts:accept_invitation", args=[token])
    return request.build_absolute_uri(path) if request else base_url.rstrip("/") + path


def queue_invitation_mail(*, invitation: Invitation, base_url: str) -> Job:
    """Queue the invitation's e-mail in the caller's transaction (no commit, no job). The
    `sent_at` stamp lets a job superseded by a later resend skip itself."""
    return enqueue_job(
        INVITATION_MAIL_JOB,
        clinic=invitation.clinic,
        arguments={
            "invitation": invitation.pk,
            "sent_at": invitation.sent_at.isoformat(),
            "base_url": base_url,
        },
    )


def issue_invitation_link(*, invitation: Invitation, base_url: str) -> str:
    """Make the link's secret, store only its hash and return the link; earlier links of
    this invitation stop working."""
    token, digest = secret_links.new_token(INVITATION_SALT)
    invitation.token_hash = digest
    invitation.save(update_fields=["token_hash"])
    return invitation_link(token=token, base_url=base_url)


def mail_invitation(*, invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "link": link, "site_name": settings.SITE_NAME}
    _send(
        subject=f"You are invited to {invitation.clinic.name}",
        body=render_to_string("accounts/email/invitation.txt", context),
        recipient=invitation.email,
    )


def send_invitation_mail(job: Job) -> None:
    args = job.arguments
    invitation = (
        Invitation.objects.select_for_update(of=("self",), no_key=True)
        .select_related("clinic", "invited_by")
        .filter(pk=args["invitation"])
        .first()
    )
    # Cancelled, accepted, expired or sent again since: nothing to send.
    if invitation is None or not invitation.is_pending or invitation.is_expired():
        return
    if invitation.sent_at is None or invitation.sent_at.isoformat() != args["sent_at"]:
        return
    link = issue_invitation_link(invitation=invitation, base_url=args["base_url"])
    mail_invitation(invitation=invitation, link=link)


def queue_password_reset_mail(*, user: User, domain: str, use_https: bool) -> Job:
    membership = user.memberships.filter(is_active=True).order_by("pk").first()
    return enqueue_job(
        PASSWORD_RESET_MAIL_JOB,
        clinic=membership.clinic if membership else None,
        arguments={"user": user.pk, "domain": domain, "use_https": use_https},
    )


def send_password_reset_mail(job: Job) -> None:
    args = job.arguments
    # Access ended since the request: no link (the reset page would refuse it anyway).
    user = (
        User.objects.filter(pk=args["user"], is_active=True, memberships__is_active=True)
        .distinct()
        .first()
    )
    if user is None:
        return
    context = {
        "email": user.email,
        "domain": args["domain"],
        "site_name": settings.SITE_NAME,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if args["use_https"] else "http",
    }
    subject = render_to_string("accounts/email/password_reset_subject.txt", context)
    _send(
        subject="".join(subject.splitlines()),
        body=render_to_string("accounts/email/password_reset.txt", context),
        recipient=user.email,
    )


register(INVITATION_MAIL_JOB, send_invitation_mail)
register(PASSWORD_RESET_MAIL_JOB, send_password_reset_mail)
