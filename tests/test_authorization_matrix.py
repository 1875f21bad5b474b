"""Every URL and every API operation, visited as each role and as another clinic's user.

A new route fails `test_every_route_has_an_expectation` until it is added to the tables below:
no endpoint ships without an authorization decision.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from ketamine_care.accounts.models import Role
from ketamine_care.accounts.permissions import ROLE_CAPABILITIES, Capability
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.config.api import api
from ketamine_care.core.clock import clinic_today
from ketamine_care.fhir import registry as fhir_registry
from ketamine_care.fhir.tests.rows import add_clinical_rows
from ketamine_care.fhir.tests.session_rows import add_session_rows
from ketamine_care.instruments.services import record_administration
from ketamine_care.jobs.models import Export, Job, JobStatus
from ketamine_care.outcomes.models import REQUIRED_SECTIONS as SAFETY_PLAN_REQUIRED
from ketamine_care.patients import services
from ketamine_care.research.models import ResearchProject
from ketamine_care.surveillance.services import record_bladder_review
from ketamine_care.testing.base import PASSWORD, ClinicTestCase, make_user
from ketamine_care.testing.inventory import make_ledger_fixture
from ketamine_care.testing.measure_requests import make_measure_request
from ketamine_care.testing.sessions import make_session_fixture, session_body
from ketamine_care.testing.staff import make_invitation
from ketamine_care.testing.therapy import make_therapy_fixture
from ketamine_care.testing.treatment import activate_trd, treatable_plan

ANY_MEMBER = "any_member"
PUBLIC = "public"

# HTML routes: url name -> capability needed (GET and POST alike).
HTML = {
    "home": PUBLIC,  # redirects to the role's landing page (anonymous: sign-in)
    "healthz": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:logout": PUBLIC,
    "accounts:otp_verify": ANY_MEMBER,
    "accounts:otp_setup": ANY_MEMBER,
    "accounts:backup_codes": ANY_MEMBER,
    "accounts:switch_clinic": ANY_MEMBER,
    "accounts:administration": Capability.VIEW_MEMBERS,
    "accounts:cohorts": Capability.VIEW_COHORTS,
    # The clinic outcomes dashboard: counts open it; VIEW_REGISTRY adds the outcomes.
    "registry:dashboard": Capability.VIEW_REGISTRY_COUNTS,
    "accounts:invite": Capability.MANAGE_MEMBERS,
    "accounts:invitation": Capability.MANAGE_MEMBERS,
    "accounts:member": Capability.MANAGE_MEMBERS,
    "accounts:clinic_settings": Capability.MANAGE_MEMBERS,
    "accounts:accept_invitation": PUBLIC,  # the signed single-use token is the credential
    "accounts:password_reset": PUBLIC,
    "accounts:password_reset_confirm": PUBLIC,  # Django's signed, single-use reset token
    "accounts:failed_jobs": Capability.MANAGE_JOBS,
    "accounts:retry_job": Capability.MANAGE_JOBS,
    # Only the person who asked for an export finds it (anyone else: 404); the capability of
    # its kind is checked again (tests in accounts/tests/test_exports.py).
    "accounts:export": ANY_MEMBER,
    "accounts:export_download": ANY_MEMBER,
    "patients:list": Capability.VIEW_PATIENT,
    "patients:register": Capability.REGISTER_PATIENT,
    "patients:import": Capability.REGISTER_PATIENT,
    "patients:chart": Capability.VIEW_PATIENT,
    "patients:edit": Capability.EDIT_DEMOGRAPHICS,
    "patients:entered_in_error": Capability.MARK_ENTERED_IN_ERROR,
    "patients:add_entry": Capability.EDIT_CLINICAL,
    "patients:entry_entered_in_error": Capability.EDIT_CLINICAL,
    "patients:record_nkda": Capability.EDIT_CLINICAL,
    "audit:list": Capability.VIEW_AUDIT,
    "instruments:entry_form": Capability.RECORD_ADMINISTRATION,
    "instruments:preview": Capability.RECORD_ADMINISTRATION,
    "instruments:record": Capability.RECORD_ADMINISTRATION,
    "outcomes:alerts": Capability.VIEW_MEASURES,
    "outcomes:acknowledge": Capability.ACKNOWLEDGE_ALERT,
    "outcomes:settings": Capability.MANAGE_SAFETY_SETTINGS,
    "safety_plans:page": Capability.VIEW_MEASURES,
    "safety_plans:save": Capability.RECORD_ADMINISTRATION,
    "safety_plans:print": Capability.VIEW_MEASURES,
    "portal:create_link": Capability.SEND_SELF_REPORT_LINK,
    "portal:respond": PUBLIC,  # the signed single-use token is the credential
    "portal:outstanding_measures": Capability.SEND_SELF_REPORT_LINK,
    "portal:resend_measure": Capability.SEND_SELF_REPORT_LINK,
    "portal:contact_preferences": Capability.EDIT_DEMOGRAPHICS,
    "portal:measure_settings": Capability.MANAGE_SAFETY_SETTINGS,
    "portal:message": PUBLIC,  # the signed token of one message is the credential
}
POST_ONLY = (
    "accounts:invitation",
    "patients:add_entry",
    "patients:entry_entered_in_error",
    "patients:record_nkda",
    "instruments:preview",
    "instruments:record",
    "safety_plans:save",
    "accounts:retry_job",
    "treatment_sessions:rems_export",
    "portal:resend_measure",
    "portal:contact_preferences",
    "portal:measure_settings",
)
NINJA_ROUTES = {"api-v1:openapi-json", "api-v1:openapi-view", "api-v1:api-root"}

# FHIR routes (/fhir/R4, bearer tokens only): url name -> who may call them. REGISTRY: read and
# search need a read scope on the token and the capability the resource type registers
# (fhir/registry.py); FhirMatrixTests visits every registered type as each role.
REGISTRY = "registry"
FHIR = {
    "fhir:metadata": PUBLIC,  # the CapabilityStatement
    "fhir:search": REGISTRY,
    "fhir:read": REGISTRY,
}
# Bulk Data $export and import (fhir/bulk*.py, fhir/transaction.py): a token with a system
# scope; each role exports only the types it may read; an export is its requester's own
# (another clinic's Group or export answers 404). FhirBulkMatrixTests visits each.
SYSTEM_SCOPE = "system scope"
FHIR.update(
    {
        "fhir:export_system": SYSTEM_SCOPE,
        "fhir:export_patient": SYSTEM_SCOPE,
        "fhir:export_group": SYSTEM_SCOPE,
        "fhir:export_status": SYSTEM_SCOPE,
        "fhir:export_file": SYSTEM_SCOPE,
        # POST a transaction Bundle: a write scope and a role that registers patients and
        # edits the clinical record (fhir/tests/test_transaction.py visits each case).
        "fhir:transaction": "write scope",
        # The administration page's button (signed in, POST): the clinic's complete export.
        "fhir:clinic_export": Capability.MANAGE_MEMBERS,
    }
)

# Protocols, screening, dosing and plans (issue 4).
HTML.update(
    {
        "protocols:library": Capability.VIEW_TREATMENT,
        "protocols:detail": Capability.VIEW_TREATMENT,
        "protocols:activate": Capability.MANAGE_PROTOCOLS,
        "protocols:new_draft": Capability.MANAGE_PROTOCOLS,
        "protocols:update_draft": Capability.MANAGE_PROTOCOLS,
        "protocols:publish": Capability.MANAGE_PROTOCOLS,
        "protocols:retire": Capability.MANAGE_PROTOCOLS,
        "screening:workup": Capability.SCREEN_PATIENT,
        "screening:verdict": Capability.VIEW_TREATMENT,
        "screening:override": Capability.OVERRIDE_SCREENING,
        "screening:cosign": Capability.COSIGN_SCREENING,
        "dosing:dose": Capability.CALCULATE_DOSE,
        "dosing:new_plan": Capability.PLAN_TREATMENT,
        "dosing:plan": Capability.VIEW_TREATMENT,
        "dosing:move_visit": Capability.PLAN_TREATMENT,
        "dosing:day": Capability.VIEW_TREATMENT,
        "dosing:confirm_conditional": Capability.PLAN_TREATMENT,
        "dosing:label_jurisdiction": Capability.MANAGE_SAFETY_SETTINGS,
    }
)
POST_ONLY += ("protocols:publish", "protocols:retire", "screening:override", "screening:cosign")
POST_ONLY += ("dosing:confirm_conditional", "dosing:label_jurisdiction")

# Course review decisions (issue 14): who may change a plan decides on its recommendation.
HTML.update(
    {
        "courses:accept": Capability.PLAN_TREATMENT,
        "courses:decline": Capability.PLAN_TREATMENT,
    }
)
POST_ONLY += ("courses:accept", "courses:decline")

# API operations: (method, path template) -> capability needed.
API = {
    ("post", "/api/v1/auth/tokens"): PUBLIC,
    ("get", "/api/v1/auth/tokens"): ANY_MEMBER,
    ("delete", "/api/v1/auth/tokens/{token_id}"): ANY_MEMBER,
    ("get", "/api/v1/patients"): Capability.VIEW_PATIENT,
    ("post", "/api/v1/patients"): Capability.REGISTER_PATIENT,
    ("get", "/api/v1/patients/{patient_id}"): Capability.VIEW_PATIENT,
    ("patch", "/api/v1/patients/{patient_id}"): Capability.EDIT_DEMOGRAPHICS,
    ("post", "/api/v1/patients/{patient_id}/entered-in-error"): Capability.MARK_ENTERED_IN_ERROR,
}
API.update(
    {
        ("get", "/api/v1/instruments"): Capability.VIEW_MEASURES,
        ("get", "/api/v1/instruments/{code}"): Capability.VIEW_MEASURES,
        ("get", "/api/v1/patients/{patient_id}/administrations"): Capability.VIEW_MEASURES,
        ("post", "/api/v1/patients/{patient_id}/administrations"): (
            Capability.RECORD_ADMINISTRATION
        ),
        ("get", "/api/v1/patients/{patient_id}/administrations/{administration_id}"): (
            Capability.VIEW_MEASURES
        ),
        ("get", "/api/v1/patients/{patient_id}/outcomes"): Capability.VIEW_MEASURES,
        ("get", "/api/v1/alerts"): Capability.VIEW_MEASURES,
        ("post", "/api/v1/alerts/{alert_id}/acknowledge"): Capability.ACKNOWLEDGE_ALERT,
        ("get", "/api/v1/patients/{patient_id}/safety-plans"): Capability.VIEW_MEASURES,
        ("post", "/api/v1/patients/{patient_id}/safety-plans"): (Capability.RECORD_ADMINISTRATION),
    }
)
API.update(
    {
        ("get", "/api/v1/protocols"): Capability.VIEW_TREATMENT,
        ("get", "/api/v1/protocols/{protocol_id}"): Capability.VIEW_TREATMENT,
        ("post", "/api/v1/protocols/{protocol_id}/activate"): Capability.MANAGE_PROTOCOLS,
        ("post", "/api/v1/protocols/{protocol_id}/drafts"): Capability.MANAGE_PROTOCOLS,
        ("post", "/api/v1/protocols/versions/{version_id}/publish"): Capability.MANAGE_PROTOCOLS,
        ("post", "/api/v1/patients/{patient_id}/screenings"): Capability.SCREEN_PATIENT,
        ("get", "/api/v1/patients/{patient_id}/screenings"): Capability.VIEW_TREATMENT,
        ("post", "/api/v1/patients/{patient_id}/screenings/{verdict_id}/override"): (
            Capability.OVERRIDE_SCREENING
        ),
        ("post", "/api/v1/patients/{patient_id}/screenings/{verdict_id}/cosign"): (
            Capability.COSIGN_SCREENING
        ),
        ("post", "/api/v1/patients/{patient_id}/dose-calculations"): Capability.CALCULATE_DOSE,
        ("post", "/api/v1/patients/{patient_id}/plans"): Capability.PLAN_TREATMENT,
        ("get", "/api/v1/patients/{patient_id}/plans"): Capability.VIEW_TREATMENT,
        ("get", "/api/v1/patients/{patient_id}/plans/{plan_id}"): Capability.VIEW_TREATMENT,
        ("post", "/api/v1/patients/{patient_id}/plans/{plan_id}/visits/{visit_id}/move"): (
            Capability.PLAN_TREATMENT
        ),
        ("post", "/api/v1/patients/{patient_id}/plans/{plan_id}/conditional-visits/confirm"): (
            Capability.PLAN_TREATMENT
        ),
        # Last: retiring the version makes later screening calls 422 (still not 403).
        ("post", "/api/v1/protocols/versions/{version_id}/retire"): Capability.MANAGE_PROTOCOLS,
    }
)
for _kind in ("diagnoses", "allergies", "medications", "measurements"):
    API[("get", f"/api/v1/patients/{{patient_id}}/{_kind}")] = Capability.VIEW_CLINICAL_HISTORY
    API[("post", f"/api/v1/patients/{{patient_id}}/{_kind}")] = Capability.EDIT_CLINICAL
    API[("post", f"/api/v1/patients/{{patient_id}}/{_kind}/{{row_id}}/entered-in-error")] = (
        Capability.EDIT_CLINICAL
    )

# Controlled-substance ledger.
HTML.update(
    {
        "inventory:ledger": Capability.VIEW_INVENTORY,
        "inventory:lot": Capability.VIEW_INVENTORY,
        "inventory:report": Capability.VIEW_INVENTORY,
        "inventory:report_csv": Capability.VIEW_INVENTORY,
        "inventory:draw": Capability.DRAW_STOCK,
        "inventory:waste": Capability.DRAW_STOCK,
        "inventory:receive": Capability.MANAGE_INVENTORY,
        "inventory:transfer": Capability.MANAGE_INVENTORY,
        "inventory:adjust": Capability.MANAGE_INVENTORY,
        "inventory:count": Capability.MANAGE_INVENTORY,
        "inventory:add_product": Capability.MANAGE_INVENTORY,
        "inventory:correct": Capability.MANAGE_INVENTORY,
        "inventory:resolve": Capability.MANAGE_INVENTORY,
    }
)
_INV = "/api/v1/inventory"
API.update(
    {
        ("get", f"{_INV}/products"): Capability.VIEW_INVENTORY,
        ("post", f"{_INV}/products"): Capability.MANAGE_INVENTORY,
        ("get", f"{_INV}/lots"): Capability.VIEW_INVENTORY,
        ("get", f"{_INV}/lots/{{lot_id}}"): Capability.VIEW_INVENTORY,
        ("get", f"{_INV}/lots/{{lot_id}}/entries"): Capability.VIEW_INVENTORY,
        ("get", f"{_INV}/entries"): Capability.VIEW_INVENTORY,
        ("post", f"{_INV}/receipts"): Capability.MANAGE_INVENTORY,
        ("post", f"{_INV}/draws"): Capability.DRAW_STOCK,
        ("post", f"{_INV}/wastes"): Capability.DRAW_STOCK,
        ("post", f"{_INV}/transfers"): Capability.MANAGE_INVENTORY,
        ("post", f"{_INV}/adjustments"): Capability.MANAGE_INVENTORY,
        ("post", f"{_INV}/counts"): Capability.MANAGE_INVENTORY,
        ("post", f"{_INV}/entries/{{entry_id}}/corrections"): Capability.MANAGE_INVENTORY,
        ("get", f"{_INV}/discrepancies"): Capability.MANAGE_INVENTORY,
        ("post", f"{_INV}/discrepancies/{{discrepancy_id}}/resolve"): (Capability.MANAGE_INVENTORY),
        ("get", f"{_INV}/balances"): Capability.VIEW_INVENTORY,
        ("get", f"{_INV}/report"): Capability.VIEW_INVENTORY,
    }
)
# Filled in by setUpTestData: ids the ledger request bodies refer to.
LEDGER_IDS: dict[str, str] = {}

# Who may open what answers the same on any engine (the views' permission checks and the
# clinic scoping are the same ORM filters): the matrix runs once, in the SQLite pass.
pytestmark = pytest.mark.only_on("sqlite")


def ledger_body(last_segment: str) -> dict | None:
    ids = LEDGER_IDS
    stock = {"quantity": "1", "unit": "ml"}
    bodies = {
        "products": {
            "name": f"Ketamine {uuid.uuid4().hex[:6]}",
            "drug": "ketamine",
            "form": "vial",
            "strength_mg_per_ml": "50",
            "volume_ml": "10",
        },
        "receipts": {
            "product_id": ids.get("product"),
            "lot_number": "MATRIX",
            "expiry_date": ids.get("expiry"),
            "quantity": "1",
            "unit": "vial",
            "invoice_number": "INV-M",
        },
        "draws": {"lot_id": ids.get("lot"), **stock},
        "wastes": {
            "lot_id": ids.get("lot"),
            "witness_id": ids.get("witness"),
            "witness_password": PASSWORD,
            "reason": "r",
            **stock,
        },
        "transfers": {
            "direction": "out",
            "lot_id": ids.get("lot"),
            "counterparty": "X",
            "reason": "r",
            "witness_id": ids.get("witness"),
            "witness_password": PASSWORD,
            **stock,
        },
        "adjustments": {"lot_id": ids.get("lot"), "direction": "increase", "reason": "r", **stock},
        "counts": {"lot_id": ids.get("lot"), "counted_quantity": "1", "unit": "ml"},
        "corrections": {"reason": "authorization matrix"},
        "resolve": {"note": "authorization matrix", "post_adjustment": False},
    }
    return bodies.get(last_segment)


# Treatment sessions (issue 5).
HTML.update(
    {
        "treatment_sessions:floor": Capability.VIEW_SESSIONS,
        "treatment_sessions:schedule": Capability.SCHEDULE_SESSION,
        "treatment_sessions:check_in_list": Capability.CHECK_IN_SESSION,
        "treatment_sessions:check_in": Capability.CHECK_IN_SESSION,
        # Schedules and checks in at once: every role that checks in also schedules.
        "treatment_sessions:check_in_visit": Capability.CHECK_IN_SESSION,
        "treatment_sessions:detail": Capability.VIEW_SESSIONS,
        "treatment_sessions:transition": Capability.RUN_SESSION,
        "treatment_sessions:pre_checks": Capability.RUN_SESSION,
        "treatment_sessions:override": Capability.OVERRIDE_PRE_CHECK,
        "treatment_sessions:dose": Capability.RUN_SESSION,
        "treatment_sessions:vitals": Capability.RUN_SESSION,
        "treatment_sessions:acknowledge": Capability.RUN_SESSION,
        "treatment_sessions:adverse_event": Capability.RUN_SESSION,
        "treatment_sessions:sign": Capability.SIGN_SESSION,
        "treatment_sessions:discharge": Capability.RUN_SESSION,
        "treatment_sessions:to_sign": Capability.SIGN_SESSION,
        "treatment_sessions:amend": Capability.AMEND_SESSION,
        "treatment_sessions:rems_due": Capability.VIEW_SESSIONS,
        "treatment_sessions:rems_export": Capability.VIEW_SESSIONS,
        "treatment_sessions:rems_form": Capability.MANAGE_REMS,
        "treatment_sessions:rems_print": Capability.VIEW_SESSIONS,
        "treatment_sessions:rems_submit": Capability.MANAGE_REMS,
    }
)
# Long-term surveillance (issue 14): checks recorded from the chart, their alerts.
HTML.update(
    {
        "surveillance:record": Capability.RECORD_SURVEILLANCE,
        "surveillance:acknowledge": Capability.ACKNOWLEDGE_ALERT,
    }
)
_TS = "/api/v1/treatment-sessions"
API.update(
    {
        ("get", _TS): Capability.VIEW_SESSIONS,
        ("post", _TS): Capability.SCHEDULE_SESSION,
        ("get", f"{_TS}/{{session_id}}"): Capability.VIEW_SESSIONS,
        ("post", f"{_TS}/{{session_id}}/check-in"): Capability.CHECK_IN_SESSION,
        ("post", f"{_TS}/{{session_id}}/transitions"): Capability.RUN_SESSION,
        ("post", f"{_TS}/{{session_id}}/pre-checks"): Capability.RUN_SESSION,
        ("post", f"{_TS}/{{session_id}}/pre-checks/override"): Capability.OVERRIDE_PRE_CHECK,
        ("post", f"{_TS}/{{session_id}}/dose"): Capability.RUN_SESSION,
        ("get", f"{_TS}/{{session_id}}/vitals"): Capability.VIEW_SESSIONS,
        ("post", f"{_TS}/{{session_id}}/vitals"): Capability.RUN_SESSION,
        ("post", f"{_TS}/{{session_id}}/alerts/{{session_alert_id}}/acknowledge"): (
            Capability.RUN_SESSION
        ),
        ("post", f"{_TS}/{{session_id}}/adverse-events"): Capability.RUN_SESSION,
        ("post", f"{_TS}/{{session_id}}/discharge"): Capability.RUN_SESSION,
        ("post", f"{_TS}/{{session_id}}/sign"): Capability.SIGN_SESSION,
        ("post", f"{_TS}/{{session_id}}/amendments"): Capability.AMEND_SESSION,
    }
)

# Psychotherapy and integration (issue 14 item 4).
HTML.update(
    {
        "therapy:caseload": Capability.VIEW_THERAPY,
        "therapy:settings": Capability.MANAGE_THERAPY_SETTINGS,
        "therapy:patient": Capability.VIEW_THERAPY,
        "therapy:new": Capability.RECORD_THERAPY,
        "therapy:detail": Capability.VIEW_THERAPY,
        "therapy:edit": Capability.RECORD_THERAPY,
        "therapy:sign": Capability.RECORD_THERAPY,
        "therapy:amend": Capability.RECORD_THERAPY,
        "therapy:acknowledge": Capability.ACKNOWLEDGE_ALERT,
    }
)
POST_ONLY += ("therapy:edit", "therapy:sign", "therapy:amend")

# Research consent and the researcher's workspace (issue 16 item 2).
HTML.update(
    {
        "research:workspace": Capability.EXPORT_RESEARCH,
        "research:new_project": Capability.MANAGE_RESEARCH,
        "research:project": Capability.EXPORT_RESEARCH,
        "research:record_consent": Capability.RECORD_RESEARCH_CONSENT,
    }
)
# The de-identified export (issue 16 item 3): the button queues it (POST); its page and
# download are the accounts export routes above.
HTML["research:export"] = Capability.EXPORT_RESEARCH
POST_ONLY += ("research:export",)


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            if pattern.namespace and namespace:
                ns = f"{namespace}:{pattern.namespace}"
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern)


def valid_body(method: str, path: str) -> dict:
    """A valid request body, so that authorization, not validation, decides the answer."""
    if "/treatment-sessions" in path:
        return session_body(path)
    if path.endswith("entered-in-error"):
        return {"reason": "authorization matrix"}
    if path.endswith("acknowledge"):
        return {"note": "authorization matrix"}
    if method == "patch":
        return {"phone": "555-0199"}
    if "/inventory/" in path:
        return ledger_body(path.rstrip("/").rsplit("/", 1)[-1])
    bodies = {
        "activate": {"clinic_values": {}},
        "drafts": {"edits": {"dose.iv.default": 0.75}},
        "publish": {},
        "retire": {},
        "screenings": {"protocol": "iv-ketamine-trd"},
        "override": {"reason": "authorization matrix"},
        "cosign": {"note": "authorization matrix"},
        "dose-calculations": {"protocol": "iv-ketamine-trd", "weight_kg": 70},
        "plans": {"protocol": "iv-ketamine-trd", "start_date": "2030-01-07"},
        "move": {"date": "2030-01-08"},
        "confirm": {"note": "authorization matrix"},
        "diagnoses": {"icd10_code": "F33.2", "label": "MDD"},
        "allergies": {"substance": "Latex"},
        "medications": {"name": "Sertraline", "drug_class": "ssri"},
        "measurements": {"weight_kg": 70},
        "patients": {
            "mrn": f"M-{uuid.uuid4().hex[:8]}",
            "given_name": "A",
            "family_name": "B",
            "date_of_birth": "1980-01-01",
            "sex": "male",
        },
        "tokens": {"email": "nobody@test.clinic", "password": "x"},
        "administrations": {"instrument": "gad7", "answers": [0] * 7, "time_point": "baseline"},
        "safety-plans": {name: "authorization matrix" for name in SAFETY_PLAN_REQUIRED},
    }
    return bodies[path.rstrip("/").rsplit("/", 1)[-1]]


# Path parameters that name shared, non-clinic data (the shipped protocol library, instrument
# definitions) or that are checked otherwise (a self-report token, the user's own API token).
_SHARED_PARAMETERS = {"protocol_id", "code", "token", "token_id", "kind", "uidb64"}


def _names_a_clinic_record(pattern: str) -> bool:
    """True when a route's path names a record of one clinic (patient, session, lot ...)."""
    names = set(re.findall(r"<(?:\w+:)?(\w+)>|\{(\w+)\}", pattern))
    flat = {n for pair in names for n in pair if n}
    return bool(flat - _SHARED_PARAMETERS)


def _allowed(role: str, capability) -> bool:
    if capability in (PUBLIC, ANY_MEMBER):
        return True
    return capability in ROLE_CAPABILITIES[role]


class MatrixFixture(ClinicTestCase):
    """One record of every kind in the clinic, and `fill()` to put their ids into a route.
    Shared with `tests/test_read_audit.py`."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.diagnosis = services.add_diagnosis(
            patient=cls.patient, actor=cls.prescriber, icd10_code="F33.2", label="MDD"
        )
        # The other clinic's medical director holds every clinical capability there, so a
        # refusal can only come from the clinic boundary: it must be 404.
        cls.outsider_director = make_user(
            "director@elsewhere.clinic", cls.other_clinic, Role.MEDICAL_DIRECTOR
        )
        # Likewise the other clinic's admin for the administration routes (failed jobs).
        cls.outsider_admin = make_user(
            "admin@elsewhere.clinic", cls.other_clinic, Role.CLINIC_ADMIN
        )
        cls.failed_job = Job.objects.create(
            name="audit.anchor",
            clinic=cls.clinic,
            status=JobStatus.FAILED,
            attempts=1,
            max_attempts=1,
            last_error="cannot write the anchor file: Permission denied",
        )
        cls.tokens = {}
        for user in [*cls.users.values(), cls.outsider, cls.outsider_director, cls.outsider_admin]:
            membership = user.memberships.select_related("clinic", "user").get()
            cls.tokens[user.email] = issue_api_token(membership=membership)[1]
        cls.administration = record_administration(
            patient=cls.patient,
            instrument_code="phq9",
            answers=[0, 0, 0, 0, 0, 0, 0, 0, 1],
            time_point="baseline",
            actor=cls.prescriber,
        )
        cls.alert = cls.administration.raised_alerts[0]
        cls.ledger = make_ledger_fixture(clinic=cls.clinic, admin=cls.clinic_admin, nurse=cls.nurse)
        LEDGER_IDS.update(
            product=str(cls.ledger["product"].public_id),
            lot=str(cls.ledger["lot"].public_id),
            expiry=cls.ledger["lot"].expiry_date.isoformat(),
            witness=str(cls.medical_director.public_id),
        )
        cls.protocol_version = activate_trd(clinic=cls.clinic, director=cls.medical_director)
        cls.plan = treatable_plan(
            patient=cls.patient, version=cls.protocol_version, prescriber=cls.prescriber
        )
        cls.verdict = cls.plan.screening_verdict
        cls.visit = cls.plan.visits.order_by("number").last()
        cls.session_fixture = make_session_fixture(
            patient=cls.patient, version=cls.protocol_version, nurse=cls.nurse
        )
        cls.invitation = make_invitation(clinic=cls.clinic, admin=cls.clinic_admin)
        cls.surveillance_alert = record_bladder_review(
            patient=cls.patient,
            actor=cls.nurse,
            done_on=clinic_today(cls.clinic),
            answers={"icsi_1": 0, "icsi_2": 0, "icsi_3": 0, "icsi_4": 0},
            haematuria=True,
        ).raised_alerts[0]
        cls.therapy = make_therapy_fixture(patient=cls.patient, therapist=cls.therapist)
        cls.measure_request = make_measure_request(session=cls.session_fixture["session"])
        cls.research_project = ResearchProject.objects.create(
            clinic=cls.clinic, name="Relapse", slug="relapse", created_by=cls.medical_director
        )
        cls.export = Export.objects.create(
            clinic=cls.clinic,
            requested_by=cls.medical_director,
            kind="rems",
            capability=Capability.VIEW_SESSIONS.value,
            parameters={"start": "2000-01-01", "end": "2100-01-01"},
            filename="rems-2000-01-01-2100-01-01.csv",
            content=b"session,mrn\r\n",
            rows=1,
            patients=[str(cls.patient.public_id)],
            ready_at=timezone.now(),
            expires_at=timezone.now() + timedelta(days=1),
        )

    def fill(self, path: str) -> str:
        values = {
            "patient_id": self.patient.public_id,
            "row_id": self.diagnosis.public_id,
            "kind": "diagnoses",
            "token_id": "00000000-0000-0000-0000-000000000000",
            "code": "phq9",
            "administration_id": self.administration.public_id,
            "alert_id": self.alert.public_id,
            "token": "forged-token",
            "lot_id": self.ledger["lot"].public_id,
            "entry_id": self.ledger["entry"].public_id,
            "discrepancy_id": self.ledger["discrepancy"].public_id,
            "protocol_id": "iv-ketamine-trd",
            "version_id": self.protocol_version.public_id,
            "verdict_id": self.verdict.public_id,
            "plan_id": self.plan.public_id,
            "visit_id": self.visit.public_id,
            "session_id": self.session_fixture["session"].public_id,
            "session_alert_id": self.session_fixture["alert"].public_id,
            "member_id": self.nurse.public_id,
            "invitation_id": self.invitation.public_id,
            "uidb64": "forged-uid",
            "job_id": self.failed_job.public_id,
            "export_id": self.export.public_id,
            "check_kind": "bladder_review",
            "surveillance_alert_id": self.surveillance_alert.public_id,
            "therapy_session_id": self.therapy["draft"].public_id,
            "risk_alert_id": self.therapy["alert"].public_id,
            "request_id": self.measure_request.public_id,
            "project_id": self.research_project.public_id,
        }
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
        return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


class AuthorizationMatrixTests(MatrixFixture):
    def test_every_route_has_an_expectation(self):
        html = {name for name, _ in _walk(get_resolver().url_patterns)}
        fhir = {n for n in html if n.startswith("fhir:")}
        self.assertEqual(
            html - NINJA_ROUTES - fhir - {n for n in html if n.startswith("api-v1:")}, set(HTML)
        )
        self.assertEqual(fhir, set(FHIR))
        schema = api.get_openapi_schema()
        operations = {(method, path) for path, ops in schema["paths"].items() for method in ops}
        self.assertEqual(operations, set(API))

    def test_html_routes_as_each_role(self):
        routes = [(n, p) for n, p in _walk(get_resolver().url_patterns) if n in HTML]
        for role in Role:
            client = self.client_for(self.users[role])
            for name, pattern in routes:
                url = "/" + self.fill(pattern)
                for method in ("get", "post"):
                    if name == "accounts:logout":
                        continue  # would end the session mid-test; covered in test_login
                    with self.subTest(role=role.value, route=name, method=method):
                        status = getattr(client, method)(url).status_code
                        self.assertLess(status, 500)
                        if _allowed(role, HTML[name]):
                            self.assertNotEqual(status, 403)
                        else:
                            self.assertEqual(status, 403)

    def test_html_routes_of_another_clinics_records_answer_404(self):
        for outsider in (self.outsider, self.outsider_director, self.outsider_admin):
            client = self.client_for(outsider)
            role = outsider.memberships.get().role
            for name, pattern in _walk(get_resolver().url_patterns):
                if not _names_a_clinic_record(pattern) or name not in HTML:
                    continue
                for method in ("get", "post"):
                    with self.subTest(outsider=outsider.email, route=name, method=method):
                        status = getattr(client, method)("/" + self.fill(pattern)).status_code
                        # 405: the route takes only POST; 403: the role may not act at all.
                        self.assertIn(status, (403, 404, 405))
                        # The director may do every clinical thing there, the admin the
                        # administration (failed jobs): where the role may act, a refusal can
                        # only come from the clinic boundary.
                        if outsider is not self.outsider and _allowed(role, HTML[name]):
                            self.assertIn(status, (404, 405) if method == "get" else (404,))

    def test_anonymous_users_are_sent_to_sign_in(self):
        for name, pattern in _walk(get_resolver().url_patterns):
            if HTML.get(name, PUBLIC) == PUBLIC:
                continue
            with self.subTest(route=name):
                response = Client().get("/" + self.fill(pattern))
                self.assertEqual(response.status_code, 302)
                self.assertIn("/accounts/login/", response["Location"])

    def call_api(self, method: str, path: str, user=None):
        headers = {}
        if user is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.tokens[user.email]}"
        kwargs = {"content_type": "application/json", **headers}
        if method in ("post", "patch"):
            kwargs["data"] = valid_body(method, path)
        return getattr(Client(), method)(self.fill(path), **kwargs)

    def test_api_operations_as_each_role(self):
        for role in Role:
            for (method, path), capability in API.items():
                if capability == PUBLIC:
                    continue
                with self.subTest(role=role.value, method=method, path=path):
                    response = self.call_api(method, path, self.users[role])
                    self.assertLess(response.status_code, 500)
                    if _allowed(role, capability):
                        self.assertNotIn(response.status_code, (401, 403))
                    else:
                        self.assertEqual(response.status_code, 403)
                        self.assertEqual(response.json()["error"], "forbidden")

    def test_api_operations_on_another_clinics_records_answer_404(self):
        for (method, path), _capability in API.items():
            if not _names_a_clinic_record(path):
                continue
            for outsider in (self.outsider, self.outsider_director):
                with self.subTest(outsider=outsider.email, method=method, path=path):
                    status = self.call_api(method, path, outsider).status_code
                    self.assertIn(status, (403, 404))
                    if outsider is self.outsider_director:
                        self.assertEqual(status, 404)

    def test_api_operations_without_credentials_answer_401(self):
        for (method, path), capability in API.items():
            if capability == PUBLIC:
                continue
            with self.subTest(method=method, path=path):
                self.assertEqual(self.call_api(method, path).status_code, 401)


class FhirMatrixTests(MatrixFixture):
    """Every registered FHIR resource type, read and searched as each role and as the other
    clinic's director (who may read everything there: a refusal is the clinic boundary)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        add_session_rows(
            patient=cls.patient,
            version=cls.protocol_version,
            nurse=cls.nurse,
            prescriber=cls.prescriber,
        )
        add_clinical_rows(
            patient=cls.patient,
            prescriber=cls.prescriber,
            nurse=cls.nurse,
            session=cls.session_fixture["session"],
        )

    def fhir_get(self, path: str, user=None):
        headers = {}
        if user is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.tokens[user.email]}"
        return Client().get(f"/fhir/R4/{path}", **headers)

    def one_of_each_part(self):
        """(type, capability, the id of one of the clinic's rows or None) for every part of
        every registered type (a type's parts may need different capabilities)."""
        for name in fhir_registry.type_names():
            for part in fhir_registry.parts_of(name):
                row = part.queryset(self.clinic).order_by("id").first()
                self.assertIsNotNone(row, f"no {name} {part.id_prefix} row to visit")
                yield name, part.capability, part.fhir_id(row)

    def test_fhir_reads_and_searches_as_each_role(self):
        for role in Role:
            searchable: dict[str, bool] = {}
            for name, capability, fhir_id in self.one_of_each_part():
                allowed = _allowed(role, capability)
                searchable[name] = searchable.get(name, False) or allowed
                if fhir_id is None:
                    continue
                with self.subTest(role=role.value, path=f"{name}/{fhir_id}"):
                    response = self.fhir_get(f"{name}/{fhir_id}", self.users[role])
                    self.assertEqual(response.status_code, 200 if allowed else 403)
                    self.assertEqual(response["Content-Type"][:21], "application/fhir+json")
            for name, allowed in searchable.items():
                with self.subTest(role=role.value, path=name):
                    response = self.fhir_get(name, self.users[role])
                    self.assertEqual(response.status_code, 200 if allowed else 403)

    def test_fhir_reads_of_another_clinics_records_answer_404(self):
        for name, capability, fhir_id in self.one_of_each_part():
            if fhir_id is None:
                continue
            # The other clinic's member whose role may read the type there (AuditEvent: the
            # admin), so that a refusal can only come from the clinic boundary.
            outsider = self.outsider_director
            if not _allowed(Role.MEDICAL_DIRECTOR, capability):
                outsider = self.outsider_admin
            self.assertTrue(_allowed(outsider.memberships.get().role, capability), name)
            with self.subTest(path=f"{name}/{fhir_id}"):
                response = self.fhir_get(f"{name}/{fhir_id}", outsider)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["resourceType"], "OperationOutcome")

    def test_fhir_without_credentials_answers_401(self):
        for name, _capability, fhir_id in self.one_of_each_part():
            for path in [name] + ([f"{name}/{fhir_id}"] if fhir_id else []):
                with self.subTest(path=path):
                    self.assertEqual(self.fhir_get(path).status_code, 401)
        self.assertEqual(self.fhir_get("metadata").status_code, 200)


class FhirBulkMatrixTests(MatrixFixture):
    """Bulk routes: 401 without a token, 403 with only a user scope, 404 for another clinic's
    Group or export, 202 for every role with a system scope (each exports what it may read)."""

    def bulk(self, path: str, token: str = "", method: str = "get"):
        headers = {"HTTP_PREFER": "respond-async"}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return getattr(Client(), method)(f"/fhir/R4/{path}", **headers)

    def system_token(self, user) -> str:
        membership = user.memberships.select_related("clinic", "user").get()
        return issue_api_token(membership=membership, scopes="system/*.read")[1]

    def test_bulk_routes_by_credential(self):
        kick_offs = ["$export", "Patient/$export", f"Group/{self.clinic.public_id}/$export"]
        for role in Role:
            token = self.system_token(self.users[role])
            for path in kick_offs:
                with self.subTest(role=role.value, path=path):
                    self.assertEqual(self.bulk(path, token).status_code, 202)
                    self.assertEqual(self.bulk(path).status_code, 401)
                    self.assertEqual(
                        self.bulk(path, self.tokens[self.users[role].email]).status_code, 403
                    )
        director = self.system_token(self.medical_director)
        status = self.bulk("$export", director)["Content-Location"].split("/fhir/R4/", 1)[1]
        outsider = self.system_token(self.outsider_director)
        group = f"Group/{self.other_clinic.public_id}/$export"
        self.assertEqual(self.bulk(group, director).status_code, 404)
        self.assertEqual(self.bulk(status, outsider).status_code, 404)
        self.assertEqual(self.bulk(status, outsider, "delete").status_code, 404)
        self.assertEqual(self.bulk(f"{status}/Patient.ndjson", outsider).status_code, 404)
        self.assertEqual(self.bulk(status).status_code, 401)
        self.assertEqual(self.bulk(status, director).status_code, 202)

    def test_clinic_export_button_by_role(self):
        for role in Role:
            with self.subTest(role=role.value):
                response = self.client_for(self.users[role]).post("/fhir/clinic-export/")
                allowed = _allowed(role, Capability.MANAGE_MEMBERS)
                self.assertEqual(response.status_code, 302 if allowed else 403)
        self.assertEqual(Client().post("/fhir/clinic-export/").status_code, 302)  # sign-in
        admin = self.client_for(self.users[Role.CLINIC_ADMIN])
        self.assertEqual(admin.get("/fhir/clinic-export/").status_code, 405)

    def test_transaction_by_role(self):
        for role in Role:
            membership = self.users[role].memberships.select_related("clinic", "user").get()
            token = issue_api_token(membership=membership, scopes="system/*.write")[1]
            allowed = _allowed(role, Capability.REGISTER_PATIENT) and _allowed(
                role, Capability.EDIT_CLINICAL
            )
            body = '{"resourceType": "Bundle", "type": "transaction"}'
            with self.subTest(role=role.value):
                response = Client().post(
                    "/fhir/R4",
                    body,
                    content_type="application/fhir+json",
                    HTTP_AUTHORIZATION=f"Bearer {token}",
                )
                self.assertEqual(response.status_code, 200 if allowed else 403)
