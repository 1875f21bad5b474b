"""References to the clinic's staff: a user has no Practitioner resource here, so a reference
names them by an identifier (the user's public id in the project's user system) and a display
name."""

from __future__ import annotations

from django.conf import settings


def user_system() -> str:
    return f"{settings.FHIR_IDENTIFIER_SYSTEM_BASE}user"


def user_ref(user) -> dict | None:
    if user is None:
        return None
    return {
        "identifier": {"system": user_system(), "value": str(user.public_id)},
        "display": user.full_name or None,
    }


def encounter_ref(session) -> dict:
    return {"reference": f"Encounter/{session.public_id}"}
