"""The published OpenAPI contract holds: schemathesis generates requests for every operation of
/api/v1 from the app's own schema (coverage, fuzzing and stateful phases, seeded and
derandomized, a fixed number of examples per operation) and sends them in-process through the
WSGI app, as several roles with bearer tokens, against a seeded clinic (the demo clinic:
patients, score histories with open alerts, treatment sessions, lots). No answer may be a
server error, and every answer's status, content type and body must be the documented ones.

Runs in the PostgreSQL pass of `make test` (`pytest --postgres`).
"""

from __future__ import annotations

import copy
import logging
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import DEFAULT_DB_ALIAS, connections
from ninja import Schema
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from ketamine_care.accounts.models import Clinic, Membership, Role, User
from ketamine_care.accounts.services import issue_api_token
from ketamine_care.demo.data import DEMO_CLINIC
from ketamine_care.dosing.models import PlannedVisit, TreatmentPlan
from ketamine_care.instruments.models import Administration
from ketamine_care.inventory.models import Discrepancy, LedgerEntry, Lot, Product
from ketamine_care.outcomes.models import SafetyAlert
from ketamine_care.patients.models import (
    Allergy,
    BodyMeasurement,
    Diagnosis,
    Medication,
    Patient,
)
from ketamine_care.protocols.models import ProtocolVersion
from ketamine_care.screening.models import ScreeningVerdict
from ketamine_care.testing.demo_snapshot import load_demo_once
from ketamine_care.treatment_sessions.models import SessionAlert, TreatmentSession

log = logging.getLogger(__name__)
log.setLevel(logging.INFO)  # the run's figures, shown with the output of a failing run

OPENAPI = "/api/v1/openapi.json"
SEED = 20261128
MIN_ANSWERED = 45
# Examples per operation, kept small so that the run stays near a minute per database on a
# 2-core machine. The coverage phase (boundary and invalid values of every parameter, some
# 3,000 requests) runs once, as the role that may do the most; every role fuzzes every
# operation and walks the stateful links.
ROLES = {
    Role.MEDICAL_DIRECTOR: {"max-examples": 4, "coverage": True},
    Role.PRESCRIBER: {"max-examples": 3, "coverage": False},
    Role.NURSE: {"max-examples": 3, "coverage": False},
    Role.FRONT_DESK: {"max-examples": 3, "coverage": False},
}
STATEFUL_STEPS = 8
CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
)
# Revoking a token gets a token of its own: revoking the one that the rest of the run sends
# would leave every later request refused.
REVOKE_TOKEN = {"include-path": "/api/v1/auth/tokens/{token_id}", "include-method": "DELETE"}


# Where generated requests draw a real record's id (else a random one, answered 404).
BINDINGS = {
    "path": (
        "patient_id session_id alert_id session_alert_id administration_id plan_id visit_id "
        "verdict_id version_id row_id lot_id entry_id discrepancy_id"
    ).split(),
    "body": "patient_id lot_id product_id witness_id".split(),
}
ID_PROBABILITY = 0.8


def _config(
    token: str, spare: str, ids: dict[str, list[str]], *, max_examples: int, coverage: bool
) -> SchemathesisConfig:
    parameters = {
        f"{where}.{name}": {"dictionary": name, "probability": ID_PROBABILITY}
        for where, names in BINDINGS.items()
        for name in names
        if ids.get(name)
    }
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "dictionaries": {name: {"values": values} for name, values in ids.items() if values},
            "parameters": parameters,
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {
                "mode": "all",
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
            },
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in CHECKS},
            },
            "phases": {
                "examples": {"enabled": False},
                "coverage": {
                    "enabled": coverage,
                    # Every unsupported method answers the same 405: one of them is enough.
                    "unexpected-methods": ["delete"],
                    "generate-duplicate-query-parameters": False,
                },
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": STATEFUL_STEPS},
            },
            "operations": [{**REVOKE_TOKEN, "headers": {"Authorization": f"Bearer {spare}"}}],
        }
    )


def _ids() -> dict[str, list[str]]:
    """Public ids of the demo clinic's records, by the parameter names that carry them."""
    clinic = Clinic.objects.get(name=DEMO_CLINIC)

    def ids(model, limit: int = 12, **where) -> list[str]:
        rows = model.objects.filter(**where).order_by("pk")[:limit]
        return [str(public_id) for public_id in rows.values_list("public_id", flat=True)]

    sessions = TreatmentSession.objects.filter(patient__clinic=clinic)
    # The patients with sessions and plans first: their sub-records are the ones to find.
    patients = list(
        dict.fromkeys(
            [str(p) for p in sessions.values_list("patient__public_id", flat=True)[:8]]
            + ids(Patient, clinic=clinic)
        )
    )
    rows = []
    for model in (Allergy, Diagnosis, Medication, BodyMeasurement):
        rows += ids(model, 3, patient__clinic=clinic)
    return {
        "patient_id": patients[:16],
        "session_id": ids(TreatmentSession, 16, patient__clinic=clinic),
        "alert_id": ids(SafetyAlert, patient__clinic=clinic),
        "session_alert_id": ids(SessionAlert, session__patient__clinic=clinic),
        "administration_id": ids(Administration, patient__clinic=clinic),
        "plan_id": ids(TreatmentPlan, patient__clinic=clinic),
        "visit_id": ids(PlannedVisit, plan__patient__clinic=clinic),
        "verdict_id": ids(ScreeningVerdict, patient__clinic=clinic),
        "version_id": ids(ProtocolVersion, clinic_protocol__clinic=clinic),
        "row_id": rows,
        "lot_id": ids(Lot, clinic=clinic),
        "product_id": ids(Product, clinic=clinic),
        "entry_id": ids(LedgerEntry, clinic=clinic),
        "discrepancy_id": ids(Discrepancy, clinic=clinic),
        "witness_id": ids(User, memberships__clinic=clinic),
    }


@contextmanager
def _wsgi_app_on_kept_connections():
    """The WSGI app as schemathesis calls it, from its worker threads. Each thread keeps its
    database connection for the run (reconnecting to PostgreSQL for each of some 3,500
    requests took a third of the run), and every one is closed at the end, so that the test
    database can be dropped. Kept connections skip Django's health check (a `SELECT 1` before
    each request's first statement, some 4 % of the run): the throwaway server does not go
    away while the test runs, and a connection that broke would fail the run anyway."""
    app = get_wsgi_application()
    opened = set()
    shared = connections.settings[DEFAULT_DB_ALIAS]
    max_age, health_checks = shared["CONN_MAX_AGE"], shared["CONN_HEALTH_CHECKS"]

    def wsgi(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            response.close()
            opened.add(connections[DEFAULT_DB_ALIAS])

    shared["CONN_MAX_AGE"], shared["CONN_HEALTH_CHECKS"] = None, False
    try:
        yield wsgi
    finally:
        shared["CONN_MAX_AGE"], shared["CONN_HEALTH_CHECKS"] = max_age, health_checks
        for connection in opened:
            connection.inc_thread_sharing()
            connection.close()
            connection.dec_thread_sharing()


def _token(role: str) -> str:
    membership = Membership.objects.select_related("clinic", "user").get(
        user__email=f"{role}@demo.clinic"
    )
    return issue_api_token(membership=membership, name="schemathesis")[1]


@dataclass
class Run:
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    cases: int = 0
    answered: set[str] = field(default_factory=set)  # operations with a 2xx answer
    statuses: Counter = field(default_factory=Counter)


def _run(schema) -> Run:
    run = Run()
    for event in from_schema(schema).execute():
        if isinstance(event, events.NonFatalError | events.FatalError):
            run.errors.append(repr(event)[:500])
        if not isinstance(event, events.ScenarioFinished):
            continue
        recorder = event.recorder
        run.cases += len(recorder.cases)
        for case_id, interaction in recorder.interactions.items():
            if interaction.response is None:
                continue
            run.statuses[interaction.response.status_code] += 1
            if interaction.response.status_code < 300 and case_id in recorder.cases:
                run.answered.add(recorder.cases[case_id].value.operation.label)
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.failure_info is None:
                    continue
                failure = check.failure_info.failure
                interaction = recorder.interactions.get(case_id)
                sent = answer = ""
                if interaction is not None:
                    sent = f"{interaction.request.method} {interaction.request.uri}"
                    if interaction.response is not None:
                        answer = interaction.response.content[:300].decode(errors="replace")
                key = (recorder.label, check.name, failure.title)
                run.failures.setdefault(key, f"{failure.message[:500]}\n{sent}\n{answer}")
    return run


def _subclasses(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))]


def test_schema_names_are_unique_so_no_component_hides_another():
    """OpenAPI components are keyed by class name: two schemas of one name made the published
    `AlertOut` (the alerts list), `AcknowledgeIn`, `DoseIn` and `OverrideIn` another app's."""
    from ketamine_care.config.api import api

    api.get_openapi_schema()  # every router's schemas are imported by now
    ours = [
        c
        for c in _subclasses(Schema)
        if c.__module__.startswith("ketamine_care.") and ".tests." not in c.__module__
    ]
    modules: dict[str, set[str]] = {}
    for cls in ours:
        modules.setdefault(cls.__name__, set()).add(cls.__module__)
    assert {name: mods for name, mods in modules.items() if len(mods) > 1} == {}


# On PostgreSQL only, the production database: its stricter types (a NUL byte in a string, an
# integer past 2^31) are where a generated request finds a server error; the schema and the
# app's answers are the same on SQLite, which the demo runs on.
@pytest.mark.only_on("postgresql")
@pytest.mark.django_db(transaction=True)
def test_every_operation_keeps_its_published_contract(_audit_guard_lifted_for_flush, settings):
    # Requests reach the app in-process with the Host schemathesis sends.
    settings.ALLOWED_HOSTS = ["localhost"]
    load_demo_once()
    ids = _ids()
    failures: dict = {}
    errors: list[str] = []
    answered: set[str] = set()
    with _wsgi_app_on_kept_connections() as app:
        # The published document, fetched once (it is the same for every caller: the schema
        # endpoint takes no credentials); each role's run loads its own copy of it.
        document = schemathesis.openapi.from_wsgi(OPENAPI, app).raw_schema
        document = copy.deepcopy(document)
        for role, tuning in ROLES.items():
            started = time.perf_counter()
            config = _config(
                _token(role),
                _token(role),
                ids,
                max_examples=tuning["max-examples"],
                coverage=tuning["coverage"],
            )
            schema = schemathesis.openapi.from_dict(copy.deepcopy(document), config=config)
            schema.app, schema.location = app, OPENAPI  # as from_wsgi() sets them
            operations = sum(1 for _ in schema.get_all_operations())
            run = _run(schema)
            log.info(
                "%s: %d operations, %d cases in %.1f s, %d operations answered 2xx; statuses %s",
                role,
                operations,
                run.cases,
                time.perf_counter() - started,
                len(run.answered),
                dict(sorted(run.statuses.items())),
            )
            failures.update({(role, *key): value for key, value in run.failures.items()})
            errors.extend(run.errors)
            answered |= run.answered
    assert errors == []
    assert failures == {}, "\n\n".join(f"{key}\n{value}" for key, value in sorted(failures.items()))
    # The run reaches real records (a run refused wholesale, e.g. with a revoked token, would
    # pass every check while testing nothing).
    assert len(answered) >= MIN_ANSWERED, sorted(answered)
