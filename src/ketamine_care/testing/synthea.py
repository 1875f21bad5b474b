"""A Synthea-style transaction Bundle, generated (never downloaded): patients with an MRN
identifier, ICD-10-CM conditions, allergies, medications, and weight and height
Observations, each entry a POST, patients as `urn:uuid:` fullUrls with `ifNoneExist` on
their identifier, as Synthea's exports are shaped. Names and dates come from a seeded random
generator, so a seed gives the same bundle every time."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from fhir.resources.R4B.bundle import Bundle

GIVEN = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia"]
FAMILY = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
# ICD-10-CM codes of the problem list (their labels as ICD-10-CM writes them).
CONDITIONS = [
    ("F33.2", "Major depressive disorder, recurrent severe without psychotic features"),
    ("F41.1", "Generalized anxiety disorder"),
    ("F43.10", "Post-traumatic stress disorder, unspecified"),
]
ALLERGIES = ["Penicillin", "Latex", "Peanut"]
MEDICATIONS = [("Sertraline", "ssri"), ("Bupropion", "atypical_antidepressant")]
MRN_SYSTEM = "urn:oid:2.16.840.1.113883.19.5"  # an EHR's own identifier system (example OID)
DRUG_CLASS = "https://ketamine-care.org/fhir/CodeSystem/drug-class"


def _post(resource: dict, full_url: str | None = None, if_none_exist: str | None = None):
    request = {"method": "POST", "url": resource["resourceType"]}
    if if_none_exist:
        request["ifNoneExist"] = if_none_exist
    entry = {"resource": resource, "request": request}
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def patient_entries(rng: random.Random, number: int, prefix: str) -> list[dict]:
    url = f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128))}"
    mrn = f"{prefix}{number:06d}"
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50))
    entries = [
        _post(
            {
                "resourceType": "Patient",
                "identifier": [{"system": MRN_SYSTEM, "value": mrn}],
                "name": [{"family": rng.choice(FAMILY), "given": [rng.choice(GIVEN)]}],
                "gender": rng.choice(["female", "male"]),
                "birthDate": born.isoformat(),
            },
            url,
            f"identifier={MRN_SYSTEM}|{mrn}",
        )
    ]
    ref = {"reference": url}
    code, label = rng.choice(CONDITIONS)
    entries.append(_post({
        "resourceType": "Condition",
        "subject": ref,
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code,
                             "display": label}], "text": label},
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"}]},
    }))  # fmt: skip
    entries.append(_post({
        "resourceType": "AllergyIntolerance",
        "patient": ref,
        "code": {"text": rng.choice(ALLERGIES)},
        "reaction": [{"manifestation": [{"text": "Hives"}], "severity": "mild"}],
    }))  # fmt: skip
    name, drug_class = rng.choice(MEDICATIONS)
    entries.append(_post({
        "resourceType": "MedicationStatement",
        "status": "active",
        "subject": ref,
        "medicationCodeableConcept": {"coding": [{"system": DRUG_CLASS, "code": drug_class}],
                                      "text": name},
    }))  # fmt: skip
    when = datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=rng.randrange(300))
    for code, value, unit in (("29463-7", rng.randrange(50, 110), "kg"),
                              ("8302-2", rng.randrange(150, 195), "cm")):  # fmt: skip
        entries.append(_post({
            "resourceType": "Observation",
            "status": "final",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "vital-signs"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": ref,
            "effectiveDateTime": when.isoformat(),
            "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                              "code": unit},
        }))  # fmt: skip
    return entries


def synthea_bundle(patients: int = 3, *, seed: int = 15, prefix: str = "SYN") -> dict:
    """A transaction Bundle (as JSON) of `patients` patients, 6 resources each; it validates
    against fhir.resources' R4B Bundle."""
    rng = random.Random(seed)
    entries = [e for n in range(1, patients + 1) for e in patient_entries(rng, n, prefix)]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    Bundle.model_validate(bundle)
    return bundle
