"""Every read of patient data is audited (issue 9 item 6).

Each URL and each API operation of `tests/test_authorization_matrix.py` has one expectation
here: the read event it records (checked by calling it as the medical director, who may do
everything), or why it records none (a write, audited by its own event; or no patient data).
A route added later fails `test_every_route_has_a_read_expectation` until it has a row.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from ketamine_care.accounts.permissions import ROLE_CAPABILITIES, Role
from ketamine_care.audit.models import AuditEvent
from ketamine_care.audit.services import query_digest
from ketamine_care.fhir import registry as fhir_registry
from ketamine_care.fhir.tests.rows import add_clinical_rows
from ketamine_care.fhir.tests.session_rows import add_session_rows
from ketamine_care.outcomes.models import REQUIRED_SECTIONS as SAFETY_PLAN_REQUIRED
from ketamine_care.outcomes.services import save_safety_plan
from ketamine_care.treatment_sessions.services import schedule_session
from ketamine_care.treatment_sessions.tests.factories import discharged_session
from tests.test_authorization_matrix import API, FHIR, HTML, MatrixFixture, _walk, valid_body


@dataclass(frozen=True)
class Reads:
    event_type: str
    one_patient: bool = True  # the event names the patient (else: a list of patients)
    # Aggregates over a cohort (the outcomes dashboard): the event names the cohort's filter
    # and the number of courses counted, and no patient (the page shows none).
    aggregate: bool = False


@dataclass(frozen=True)
class Counts:
    """A read of de-identified counts: audited with how many patients were counted, never
    which (the page shows no patient, and listing them would put identities in the trail)."""

    event_type: str


WRITE = "write"  # a state change, audited by its own event; the answer shows what it wrote
NO_PATIENT_DATA = "no patient data"

PATIENT = Reads("patient.viewed")
SESSION = Reads("session.viewed")
AGGREGATES = Reads("registry.dashboard_viewed", one_patient=False, aggregate=True)

HTML_READS = {
    "home": NO_PATIENT_DATA,  # a redirect
    "healthz": NO_PATIENT_DATA,
    "accounts:login": NO_PATIENT_DATA,
    "accounts:logout": NO_PATIENT_DATA,
    "accounts:otp_verify": NO_PATIENT_DATA,
    "accounts:otp_setup": NO_PATIENT_DATA,
    "accounts:backup_codes": NO_PATIENT_DATA,
    "accounts:switch_clinic": NO_PATIENT_DATA,
    "accounts:administration": NO_PATIENT_DATA,  # staff names and roles, no patients
    "accounts:cohorts": NO_PATIENT_DATA,  # a redirect to the research workspace
    # Aggregates over the clinic's courses: one event naming the cohort filter, no patient.
    "registry:dashboard": AGGREGATES,
    # Staff administration: staff names, roles and e-mail addresses, never a patient.
    "accounts:invite": NO_PATIENT_DATA,
    "accounts:invitation": NO_PATIENT_DATA,
    "accounts:member": NO_PATIENT_DATA,
    "accounts:clinic_settings": NO_PATIENT_DATA,
    "accounts:accept_invitation": NO_PATIENT_DATA,
    "accounts:password_reset": NO_PATIENT_DATA,
    "accounts:password_reset_confirm": NO_PATIENT_DATA,
    "accounts:failed_jobs": NO_PATIENT_DATA,  # job names and errors without patient data
    "accounts:retry_job": WRITE,  # audited as job.retried
    "accounts:export": NO_PATIENT_DATA,  # the export's kind, dates and state
    # The file names patients: each download is a read (the worker audited the export itself
    # as rems_form.exported when it made the file).
    "accounts:export_download": Reads("export.downloaded", one_patient=False),
    "patients:list": Reads("patients.searched", one_patient=False),
    "patients:register": NO_PATIENT_DATA,  # an empty form; POST is a write
    "patients:import": NO_PATIENT_DATA,  # an upload form; the preview shows the file itself
    "patients:chart": PATIENT,
    "patients:edit": PATIENT,
    "patients:entered_in_error": PATIENT,
    "patients:add_entry": WRITE,
    "patients:entry_entered_in_error": WRITE,
    "patients:record_nkda": WRITE,
    "audit:list": Reads("audit.listed", one_patient=False),
    "instruments:entry_form": PATIENT,
    "instruments:preview": NO_PATIENT_DATA,  # scores the answers in the request, stores none
    "instruments:record": WRITE,
    "outcomes:alerts": Reads("alerts.listed", one_patient=False),
    "outcomes:acknowledge": PATIENT,  # the alert names the patient; POST is a write
    "surveillance:record": PATIENT,  # the entry form names the patient; POST is a write
    "surveillance:acknowledge": PATIENT,  # the alert's words; POST is a write
    "outcomes:settings": NO_PATIENT_DATA,  # the clinic's crisis texts and thresholds
    "safety_plans:page": PATIENT,
    "safety_plans:save": WRITE,
    "safety_plans:print": PATIENT,
    "portal:create_link": PATIENT,
    "portal:respond": NO_PATIENT_DATA,  # the patient's own form, opened with their token
    "portal:outstanding_measures": Reads("measures.listed", one_patient=False),
    "portal:resend_measure": WRITE,  # audited as measure_request.resent
    "portal:contact_preferences": WRITE,  # audited as contact_preference.recorded
    "portal:measure_settings": WRITE,  # audited as measure_settings.changed
    "portal:message": NO_PATIENT_DATA,  # the patient's own page, opened with their token
    "protocols:library": NO_PATIENT_DATA,
    "protocols:detail": NO_PATIENT_DATA,
    "protocols:activate": NO_PATIENT_DATA,
    "protocols:new_draft": NO_PATIENT_DATA,
    "protocols:update_draft": NO_PATIENT_DATA,
    "protocols:publish": NO_PATIENT_DATA,
    "protocols:retire": NO_PATIENT_DATA,
    "screening:workup": PATIENT,
    "screening:verdict": PATIENT,
    "screening:override": WRITE,
    "screening:cosign": WRITE,
    "dosing:dose": PATIENT,
    "dosing:new_plan": PATIENT,
    "dosing:plan": PATIENT,
    "dosing:move_visit": WRITE,
    "dosing:day": Reads("visits.listed", one_patient=False),
    "dosing:confirm_conditional": WRITE,
    "courses:accept": WRITE,  # audited as course.recommendation_accepted (+ plan.visit_moved)
    "courses:decline": WRITE,  # audited as course.recommendation_declined
    "dosing:label_jurisdiction": NO_PATIENT_DATA,
    "treatment_sessions:floor": Reads("sessions.listed", one_patient=False),
    "treatment_sessions:schedule": NO_PATIENT_DATA,  # an empty form; POST is a write
    "treatment_sessions:check_in_list": Reads("sessions.listed", one_patient=False),
    "treatment_sessions:check_in": WRITE,
    "treatment_sessions:check_in_visit": WRITE,
    "treatment_sessions:detail": SESSION,
    "treatment_sessions:transition": WRITE,
    "treatment_sessions:pre_checks": WRITE,
    "treatment_sessions:override": WRITE,
    "treatment_sessions:dose": WRITE,
    "treatment_sessions:vitals": WRITE,
    "treatment_sessions:acknowledge": WRITE,
    "treatment_sessions:adverse_event": WRITE,
    "treatment_sessions:sign": WRITE,
    "treatment_sessions:discharge": WRITE,
    "treatment_sessions:to_sign": Reads("sessions.listed", one_patient=False),
    "treatment_sessions:amend": WRITE,
    "treatment_sessions:rems_due": Reads("sessions.listed", one_patient=False),
    # Queues the export (audited as rems_form.export_requested); the worker's file is audited
    # as rems_form.exported, each download as export.downloaded (accounts/tests/test_exports.py).
    "treatment_sessions:rems_export": WRITE,
    "treatment_sessions:rems_form": SESSION,
    "treatment_sessions:rems_print": Reads("rems_form.printed"),
    "treatment_sessions:rems_submit": WRITE,
    "therapy:caseload": Reads("caseload.listed", one_patient=False),
    "therapy:settings": NO_PATIENT_DATA,  # the clinic's two caseload windows
    "therapy:patient": PATIENT,
    # GET is the therapist's empty form (audited as patient.viewed, part therapy_new, in
    # therapy/tests/test_views.py: the medical director may not record); POST is a write.
    "therapy:new": WRITE,
    "therapy:detail": Reads("therapy_session.viewed"),
    "therapy:edit": WRITE,
    "therapy:sign": WRITE,
    "therapy:amend": WRITE,
    "therapy:acknowledge": PATIENT,
}
# Research (issue 16 item 2): de-identified counts, audited without naming a patient.
HTML_READS.update(
    {
        "research:workspace": Counts("research_workspace.viewed"),
        "research:project": Counts("research_project.viewed"),
        "research:new_project": NO_PATIENT_DATA,  # a form; POST is a write
        # GET is the consent form alone (the chart shows it in a panel); POST is a write.
        "research:record_consent": PATIENT,
    }
)
# Queues the de-identified export (research_export.requested); the worker's writing is audited
# as research_export.written (project, columns, k-anonymity report), each download as
# export.downloaded (research/tests/test_export_job.py).
HTML_READS["research:export"] = WRITE
for _name in HTML:
    if _name.startswith("inventory:"):
        # The ledger counts stock; it names lots, products and staff, never a patient.
        HTML_READS.setdefault(_name, NO_PATIENT_DATA)

# FHIR routes: a read names its resource's patient; a search page names the patients shown.
FHIR_READS = {
    "fhir:metadata": NO_PATIENT_DATA,
    "fhir:read": Reads("fhir.read"),
    "fhir:search": Reads("fhir.searched", one_patient=False),
}
# Bulk export: kick-off is audited as fhir.export_requested (the worker's files as
# fhir.bulk_exported), cancel as fhir.export_cancelled, each file download as
# fhir.export_downloaded (fhir/tests/test_bulk.py).
FHIR_READS.update(
    {
        "fhir:export_system": WRITE,
        "fhir:export_patient": WRITE,
        "fhir:export_group": WRITE,
        "fhir:export_status": NO_PATIENT_DATA,  # progress or the manifest: file names, counts
        "fhir:export_file": Reads("fhir.export_downloaded", one_patient=False),  # a count
        "fhir:transaction": WRITE,  # each record's own event + fhir.transaction_imported
        # Queues the clinic's export (clinic.export_requested); the worker's file is audited as
        # clinic.exported, each download as export.downloaded (fhir/tests/test_clinic_export*).
        "fhir:clinic_export": WRITE,
    }
)

_P = "/api/v1/patients/{patient_id}"
_TS = "/api/v1/treatment-sessions"
API_READS = {
    ("get", "/api/v1/patients"): Reads("patients.searched", one_patient=False),
    ("get", _P): PATIENT,
    ("get", f"{_P}/administrations"): PATIENT,
    ("get", f"{_P}/administrations/{{administration_id}}"): PATIENT,
    ("get", f"{_P}/outcomes"): PATIENT,
    ("get", "/api/v1/alerts"): Reads("alerts.listed", one_patient=False),
    ("get", f"{_P}/safety-plans"): PATIENT,
    ("get", f"{_P}/screenings"): PATIENT,
    ("post", f"{_P}/dose-calculations"): PATIENT,  # reads the chart's weight and history
    ("get", f"{_P}/plans"): PATIENT,
    ("get", f"{_P}/plans/{{plan_id}}"): PATIENT,
    ("get", _TS): Reads("sessions.listed", one_patient=False),
    ("get", f"{_TS}/{{session_id}}"): SESSION,
    ("get", f"{_TS}/{{session_id}}/vitals"): SESSION,
}
for _kind in ("diagnoses", "allergies", "medications", "measurements"):
    API_READS[("get", f"{_P}/{_kind}")] = PATIENT
for _method, _path in API:
    if _path.startswith(("/api/v1/inventory", "/api/v1/protocols", "/api/v1/instruments")):
        API_READS.setdefault((_method, _path), NO_PATIENT_DATA)
    elif _path.startswith("/api/v1/auth/"):
        API_READS.setdefault((_method, _path), NO_PATIENT_DATA)
    elif _method in ("post", "patch", "delete"):
        API_READS.setdefault((_method, _path), WRITE)


# The fixture's sessions give IV ketamine: REMS lists (esketamine only) are empty, so only the
# event's shape is checked there; treatment_sessions' REMS tests fill them.
_NO_ESKETAMINE_SESSION = {"treatment_sessions:rems_due", "treatment_sessions:rems_export"}


class ReadAuditTests(MatrixFixture):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # A safety plan, so that its printable page has something to show.
        save_safety_plan(
            patient=cls.patient,
            actor=cls.prescriber,
            sections={name: "read audit" for name in SAFETY_PLAN_REQUIRED},
        )
        # A session today, so that the check-in list shows the patient.
        schedule_session(
            patient=cls.patient,
            protocol_version=cls.protocol_version,
            actor=cls.front_desk,
            scheduled_for=timezone.now(),
            ad_hoc_reason="read audit",
        )
        # A discharged session, so that the *To sign* worklist shows the patient.
        discharged_session(cls.patient, cls.protocol_version, cls.nurse, cls.prescriber)
        # A row of every kind the FHIR resources read.
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

    def test_every_route_has_a_read_expectation(self):
        self.assertEqual(set(HTML_READS), set(HTML))
        self.assertEqual(set(API_READS), set(API))
        self.assertEqual(set(FHIR_READS), set(FHIR))

    def test_every_fhir_read_of_patient_data_records_a_read_event(self):
        for name in fhir_registry.type_names():
            # The medical director reads every type but AuditEvent, which the admin reads.
            reader = self.fhir_reader(name)
            client = Client(HTTP_AUTHORIZATION=f"Bearer {self.tokens[reader.email]}")
            for part in fhir_registry.parts_of(name):
                row = part.queryset(self.clinic).filter(**self.about_patient(part)).first()
                self.assertIsNotNone(row, f"no {name} {part.id_prefix} row to read")
                if part.patient_path is None:
                    continue
                with self.subTest(type=name, part=part.id_prefix):
                    url = f"/fhir/R4/{name}/{part.fhir_id(row)}"
                    self.assert_read_recorded(
                        FHIR_READS["fhir:read"], lambda u=url, c=client: c.get(u), actor=reader
                    )
            if all(p.patient_path is None for p in fhir_registry.parts_of(name)):
                continue  # about no patient (Questionnaire): no patient data to account for
            with self.subTest(type=name, search=True):
                self.assert_read_recorded(
                    FHIR_READS["fhir:search"],
                    lambda n=name, c=client: c.get(f"/fhir/R4/{n}", {"_count": 100}),
                    actor=reader,
                )

    def fhir_reader(self, name: str):
        capabilities = {p.capability for p in fhir_registry.parts_of(name)}
        if capabilities <= ROLE_CAPABILITIES[Role.MEDICAL_DIRECTOR]:
            return self.medical_director
        self.assertLessEqual(capabilities, ROLE_CAPABILITIES[Role.CLINIC_ADMIN], name)
        return self.clinic_admin

    def about_patient(self, part) -> dict:
        lookup = part.patient_lookup()
        return {lookup: self.patient.public_id} if lookup else {}

    def assert_read_recorded(
        self, expected: Reads, call, *, may_be_empty=False, actor=None
    ) -> None:
        """The call records one read event by `actor` (the medical director unless named)."""
        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = call()
        self.assertEqual(response.status_code, 200, response.content[:300])
        events = AuditEvent.objects.filter(
            id__gt=before, event_type=expected.event_type, actor=actor or self.medical_director
        )
        self.assertTrue(events.exists(), f"no {expected.event_type} event")
        event = events.get()
        if expected.aggregate:
            self.assertIsNone(event.patient)
            self.assertIn("cohort", event.changes)
            self.assertNotIn("patients", event.changes)
            self.assertGreaterEqual(event.changes["count"], 0)
        elif expected.one_patient:
            self.assertEqual(event.patient, self.patient)
        else:
            if not may_be_empty:
                self.assertIn(str(self.patient.public_id), event.changes["patients"])
            self.assertEqual(event.changes["count"], len(event.changes["patients"]))

    def query_for(self, name: str) -> dict:
        """Query parameters a list page needs to show the fixture's records."""
        if name == "treatment_sessions:rems_export":
            return {"start": "2000-01-01", "end": "2100-01-01"}
        if name == "dosing:day":
            return {"date": self.visit.date.isoformat()}
        return {}

    def test_every_html_read_of_patient_data_records_a_read_event(self):
        client = self.client_for(self.medical_director)
        for name, pattern in _walk(get_resolver().url_patterns):
            expected = HTML_READS.get(name)
            if not isinstance(expected, Reads):
                continue
            url = "/" + self.fill(pattern)
            with self.subTest(route=name):
                query = self.query_for(name)
                self.assert_read_recorded(
                    expected,
                    lambda url=url, q=query: client.get(url, q),
                    may_be_empty=name in _NO_ESKETAMINE_SESSION,
                )

    def test_every_read_of_deidentified_counts_records_a_count_never_a_patient(self):
        client = self.client_for(self.medical_director)
        for name, pattern in _walk(get_resolver().url_patterns):
            expected = HTML_READS.get(name)
            if not isinstance(expected, Counts):
                continue
            with self.subTest(route=name):
                before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
                response = client.get("/" + self.fill(pattern))
                self.assertEqual(response.status_code, 200)
                event = AuditEvent.objects.get(
                    id__gt=before or 0, event_type=expected.event_type, actor=self.medical_director
                )
                self.assertIsNone(event.patient)
                self.assertIn("count", event.changes)
                self.assertNotIn("patients", event.changes)

    def test_every_api_read_of_patient_data_records_a_read_event(self):
        token = self.tokens[self.medical_director.email]
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        for (method, path), expected in API_READS.items():
            if not isinstance(expected, Reads):
                continue
            url = self.fill(path)

            def call(method=method, path=path, url=url):
                if method == "get":
                    return client.get(url)
                body = valid_body(method, path)
                return client.post(url, body, content_type="application/json")

            with self.subTest(method=method, path=path):
                self.assert_read_recorded(expected, call)

    def test_a_search_stores_a_keyed_digest_never_the_words(self):
        name = self.patient.family_name
        self.client_for(self.medical_director).get("/patients/", {"q": f"  {name.upper()} "})
        event = AuditEvent.objects.filter(event_type="patients.searched").latest("id")
        self.assertNotIn(name.casefold(), str(event.changes).casefold())
        self.assertEqual(event.changes["query_digest"], query_digest(name))
        self.assertEqual(event.changes["patients"], [str(self.patient.public_id)])
