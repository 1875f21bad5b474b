"""Clinics, users who sign in by email, and memberships giving one role per clinic."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from ketamine_care.core.clock import default_time_zone, validate_time_zone
from ketamine_care.core.models import PublicIdModel, TimestampedModel


class Role(models.TextChoices):
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"
    MEDICAL_DIRECTOR = "medical_director", "Medical director"
    PRESCRIBER = "prescriber", "Prescriber"
    NURSE = "nurse", "Nurse"
    THERAPIST = "therapist", "Therapist"
    FRONT_DESK = "front_desk", "Front desk"
    RESEARCHER = "researcher", "Researcher"


class LabelJurisdiction(models.TextChoices):
    """Which product label the clinic follows where labels differ (esketamine start dose)."""

    US = "US", "United States (FDA label)"
    EU = "EU", "European Union (EMA SmPC)"


class Clinic(PublicIdModel, TimestampedModel):
    name = models.CharField(max_length=200, unique=True)
    label_jurisdiction = models.CharField(
        max_length=2, choices=LabelJurisdiction.choices, default=LabelJurisdiction.US
    )
    address = models.TextField(blank=True)
    # Who hears about a security problem (a lost device, a suspected breach): the clinic's
    # IT or privacy contact, shown to staff on the administration page.
    security_contact_email = models.EmailField(blank=True)
    # The clinic's IANA zone: its "today" and every time its screens show (core/clock.py).
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(PublicIdModel, AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised to end every session of the user at once (deactivation): the session's stored
    # hash no longer matches, so the next request is signed out.
    session_generation = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_session_auth_hash(self) -> str:
        # Generation 0 keeps Django's own hash, so sessions started before this field existed
        # stay valid.
        base = super().get_session_auth_hash()
        if not self.session_generation:
            return base
        return hashlib.sha256(f"{base}:{self.session_generation}".encode()).hexdigest()


class Membership(TimestampedModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_role_per_clinic"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.clinic}"


DEFAULT_TOKEN_SCOPES = "user/*.read"


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(PublicIdModel):
    """A personal API token. Only its SHA-256 is stored; the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # SMART-style scopes for the FHIR API, space-separated (`user/*.read`, `patient/*.read`,
    # `system/*.read`, `system/*.write`). Tokens issued before scopes existed read as the user
    # they belong to, as they always did.
    scopes = models.CharField(max_length=300, default=DEFAULT_TOKEN_SCOPES)
    # The one patient a `patient/*.read` token may read (a patient's public id; no foreign key:
    # accounts sits below patients). Without it a patient-scoped token reads nothing.
    patient_context = models.UUIDField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_token(token: str) -> str:
        # Tokens carry 256 bits of randomness, so a fast unsalted hash is sufficient here.
        return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, cancelled_at__isnull=True)


class Invitation(PublicIdModel):
    """An e-mailed, single-use link to join a clinic with a role. Only the SHA-256 of the
    link's secret is stored, so a database leak does not leak usable links."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    full_name = models.CharField(max_length=200)
    role = models.CharField(max_length=32, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    # None: invited from the command line (`ketamine-care invite-admin`).
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="invitation_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.clinic}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class SecondFactorReset(PublicIdModel):
    """A clinic admin's request to remove a person's lost authenticator and backup codes. It
    takes effect only when a second clinic admin of the clinic confirms it (four eyes)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "user"],
                condition=models.Q(confirmed_at__isnull=True),
                name="one_pending_second_factor_reset",
            ),
        ]

    def __str__(self) -> str:
        return f"Second-factor reset of {self.user} at {self.clinic}"
