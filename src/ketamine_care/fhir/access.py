"""Who is asking: the bearer token, its SMART-style scopes, and the role behind it.

Scopes have the form `<context>/<type>.<action>`: context `patient` (only the token's one
patient), `user` (what the token's user may see in the clinic) or `system` (the whole clinic,
for bulk export and import); type a resource type or `*`; action `read`, `write` or `*`. The
role's capabilities still apply on top of every scope, and the token's clinic is the only
clinic a request ever sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from ketamine_care.accounts.auth import BearerTokenAuth
from ketamine_care.accounts.permissions import has_capability
from ketamine_care.fhir.responses import FhirError

_SCOPE = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.(read|write|\*)$")
_CONTEXTS = ("system", "user", "patient")  # widest first


@dataclass(frozen=True)
class Grant:
    """What one request may read: the clinic, the membership, and at most one patient."""

    membership: object
    context: str  # "system", "user" or "patient"
    patient_id: UUID | None  # set for the patient context

    def may_read(self, part) -> bool:
        """The role may see this part's rows (a type's parts may need different capabilities:
        vital signs and rating-scale totals are both Observations)."""
        return part.capability is None or has_capability(self.membership, part.capability)

    @property
    def clinic(self):
        return self.membership.clinic

    @property
    def user(self):
        return self.membership.user


def parse_scopes(text: str) -> set[tuple[str, str, str]]:
    """The (context, type, action) triples of a scope string; unknown words are ignored."""
    scopes = set()
    for word in (text or "").split():
        match = _SCOPE.match(word)
        if match:
            scopes.add(match.groups())
    return scopes


def scope_context(text: str, resource_type: str, action: str) -> str | None:
    """The widest context the scopes grant for `action` on `resource_type`, or None."""
    granted = parse_scopes(text)
    for context in _CONTEXTS:
        for kind in (resource_type, "*"):
            if (context, kind, action) in granted or (context, kind, "*") in granted:
                return context
    return None


def authenticate(request):
    """The token's membership (also set on the request), or 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise FhirError(401, "login", "A bearer token is required.")
    if BearerTokenAuth().authenticate(request, token.strip()) is None:
        raise FhirError(401, "login", "The bearer token is not valid.")
    return request.membership


def grant_for(request, resource_type: str, capability, action: str = "read") -> Grant:
    """Authenticate, then check the token's scope (403) and the role's capability (403).
    `capability`: one capability, None (no role check), or several (any one suffices)."""
    membership = authenticate(request)
    token = request.api_token
    context = scope_context(token.scopes, resource_type, action)
    if context is None:
        raise FhirError(403, "forbidden", f"The token has no scope to {action} {resource_type}.")
    needed = capability if isinstance(capability, list | tuple | set | frozenset) else [capability]
    if None not in needed and not any(has_capability(membership, c) for c in needed):
        raise FhirError(403, "forbidden", f"Your role may not {action} {resource_type}.")
    patient_id = token.patient_context if context == "patient" else None
    return Grant(membership=membership, context=context, patient_id=patient_id)


def scoped(queryset, part, grant: Grant):
    """Narrow a part's rows to the grant: a patient-context token sees its patient only
    (and nothing at all when it names no patient)."""
    if grant.context != "patient":
        return queryset
    lookup = part.patient_lookup()
    if lookup is None:
        return queryset
    if grant.patient_id is None:
        return queryset.none()
    return queryset.filter(**{lookup: grant.patient_id})
