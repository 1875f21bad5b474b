"""The pure computations the services run for each patient, cached by their inputs: the
screening verdict (`screening.services` evaluates the workup's facts against the rule set
pinned to the protocol version) and the calculated dose (`dosing.calculator`). Synthetic
patients draw their ages, medications and body measurements from small sets, so each
distinct input is computed once, with the app's own code, and its stored form reused. The
screening rules never read weight or height (only the stored facts carry them), so a verdict
is cached without them and the patient's own measurements are written into its facts."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache

from ketamine_care.demo.treatment import CLEAR_ANSWERS
from ketamine_care.dosing.calculator import DoseInputError, calculate_dose
from ketamine_care.screening.evaluator import evaluate
from ketamine_care.screening.facts import parse_facts
from ketamine_care.screening.record_facts import merge_answers, words_for_code
from ketamine_care.screening.services import pinned_rule_set


class Clinical:
    def __init__(self, versions: dict) -> None:
        self.versions = versions
        self.verdict = lru_cache(maxsize=None)(self._verdict)
        self.dose = lru_cache(maxsize=None)(self._dose)
        # The rule set pinned to each version, read once (screening.services reads it per call).
        self.rule_sets = {pid: pinned_rule_set(v) for pid, v in versions.items()}
        self.definitions = {pid: v.parsed() for pid, v in versions.items()}

    def screening(self, protocol_id: str, age: int, sex: str, code: str, meds: tuple, body):
        """The verdict's stored columns, the facts naming this patient's weight and height."""
        facts, *rest = self.verdict(protocol_id, age, sex, code, meds)
        weight, height = body
        return (json.dumps({**facts, "weight_kg": float(weight), "height_cm": float(height)}),
                *rest)  # fmt: skip

    def _verdict(self, protocol_id: str, age: int, sex: str, code: str, meds: tuple):
        """(facts, result JSON, verdict, override allowed, rule set version, digest, permits
        treatment) for a clear workup of this patient."""
        record = {
            "age_years": float(age),
            "diagnoses": words_for_code(code),
            "medications": [{"name": name, "class": cls} for name, cls in meds],
            "medications_unreviewed": True,  # as the chart gives it; the workup reviews it
            "sex": sex,
            "weight_kg": 70.0,
            "height_cm": 170.0,
        }
        parsed = parse_facts(merge_answers(record, CLEAR_ANSWERS))
        rule_set, pinned = self.rule_sets[protocol_id]
        result = replace(
            evaluate(rule_set, parsed, protocol=protocol_id),
            rule_set_id=pinned["id"],
            rule_set_version=pinned["version"],
            rule_set_digest=pinned["digest"],
        )
        facts = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
        return (
            facts,
            json.dumps(result.as_record()),
            result.verdict,
            result.override_allowed,
            result.rule_set_version,
            result.rule_set_digest,
            result.verdict in ("eligible", "eligible_with_cautions"),
        )

    def _dose(self, protocol_id: str, dose_json: str, body: tuple, sex: str, senior: bool):
        """(calculated dose JSON as pre-session checks store it, dose in mg or None). Age
        counts only through the labels' 65-year starts, hence `senior` (65 or older)."""
        planned = json.loads(dose_json)
        weight, height = body
        try:
            result = calculate_dose(
                self.definitions[protocol_id],
                weight_kg=float(weight),
                height_cm=float(height),
                sex=sex,
                mg_per_kg=planned.get("dose_mg_per_kg"),
                dose_mg=planned.get("dose_mg"),
                route=planned["route"],
                age_years=70 if senior else 40,
                jurisdiction="US",
            )
        except DoseInputError as exc:
            return json.dumps({"dose_mg": None, "error": exc.message}), None
        stored = {**result.as_json(), "weight_confirmed": False}
        return json.dumps(stored), stored["dose_mg"]
