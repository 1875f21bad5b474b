"""`ketamine-care invite-admin`: the first clinic admin of a clinic (creating the clinic if it
does not exist), invited by e-mail like everyone else; later staff are invited from the
administration page.

Unlike every other e-mail, this one is sent at once rather than by the worker: the operator
needs the same link printed here (it is never stored), and at a first install the worker
may not run yet. If the mail cannot be sent, the printed link still works."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from ketamine_care.accounts.mail_jobs import issue_invitation_link, mail_invitation
from ketamine_care.accounts.models import Clinic, Role
from ketamine_care.accounts.staffing import invite_user
from ketamine_care.core.errors import DomainError
from ketamine_care.jobs.runner import JobError


class Command(BaseCommand):
    help = "Invite a clinic admin by e-mail; the clinic is created if it does not exist."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--clinic", required=True, help="the clinic's name")
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="the admin's full name")
        parser.add_argument(
            "--base-url", required=True, help="how staff reach this server, e.g. https://kc.example"
        )

    def handle(self, *args, **options) -> None:
        try:
            validate_email(options["email"])
        except ValidationError as exc:
            raise CommandError(f"--email: {exc.messages[0]}") from exc
        if not options["base_url"].startswith(("https://", "http://")):
            raise CommandError("--base-url must start with https:// (or http:// for a test)")
        clinic, created = Clinic.objects.get_or_create(name=options["clinic"].strip())
        try:
            invitation = invite_user(
                clinic=clinic,
                actor=None,
                email=options["email"],
                full_name=options["name"],
                role=Role.CLINIC_ADMIN,
                base_url=options["base_url"],
                queue_mail=False,
            )
        except DomainError as exc:
            raise CommandError("; ".join(exc.fields.values()) or exc.message) from exc
        link = issue_invitation_link(invitation=invitation, base_url=options["base_url"])
        try:
            mail_invitation(invitation=invitation, link=link)
        except JobError as exc:
            self.stderr.write(f"Not e-mailed: {exc}. Give the admin the link below yourself.")
        made = "Created the clinic" if created else "Clinic"
        self.stdout.write(f"{made} {clinic.name}; invited {invitation.email} as clinic admin.")
        self.stdout.write(
            f"The e-mailed link (valid until {invitation.expires_at:%Y-%m-%d %H:%M} UTC):"
        )
        self.stdout.write(link)
