"""Every code the data files and the services use has words in the display-label layer
(`core/labels.py`), and the screens show the words, not the codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.test import SimpleTestCase

from ketamine_care.core import labels
from ketamine_care.protocols.library import list_protocol_ids, load_definition
from ketamine_care.screening import vocabulary
from ketamine_care.treatment_sessions import states

SRC = Path(labels.__file__).resolve().parents[1]
EVENT_TYPE = re.compile(r'event_type="([a-z_]+\.[a-z_]+)"')


def _library() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((SRC / "protocols/library").glob("*.json"))]


def _values(data, key: str) -> set[str]:
    found: set[str] = set()
    if isinstance(data, dict):
        for k, v in data.items():
            if k == key and isinstance(v, str):
                found.add(v)
            found |= _values(v, key)
    elif isinstance(data, list):
        for item in data:
            found |= _values(item, key)
    return found


class EveryCodeHasWordsTests(SimpleTestCase):
    def assertLabelled(self, kind: str, codes) -> None:
        self.assertEqual(labels.unlabelled(kind, codes), [], f"{kind} codes without words")

    def test_the_screening_vocabulary(self):
        self.assertLabelled(labels.DIAGNOSIS, vocabulary.DIAGNOSES)
        self.assertLabelled(labels.HISTORY, vocabulary.HISTORY_ITEMS)
        self.assertLabelled(labels.DRUG_CLASS, vocabulary.MEDICATION_CLASSES)
        self.assertLabelled(labels.SUICIDE_RISK, vocabulary.SUICIDE_RISKS)
        self.assertLabelled(labels.SEVERITY, vocabulary.Severity.__args__)
        self.assertLabelled(labels.VERDICT, vocabulary.Verdict.__args__)

    def test_the_drug_data_classes(self):
        drugs = json.loads((SRC / "screening/data/drugs.json").read_text())["drugs"]
        self.assertLabelled(labels.DRUG_CLASS, {d["class"] for d in drugs})

    def test_the_protocol_library(self):
        library = _library()
        self.assertLabelled(labels.PROTOCOL, list_protocol_ids())
        self.assertLabelled(labels.ROUTE, {r for p in library for r in p["routes"]})
        self.assertLabelled(labels.DRUG, {p["drug"] for p in library})
        self.assertLabelled(labels.POPULATION, {p["population"] for p in library})
        self.assertLabelled(labels.SETTING, {p["setting"] for p in library})
        self.assertLabelled(
            labels.TIME_POINT, set().union(*(_values(p, "time_point") for p in library))
        )
        self.assertLabelled(labels.PHASE, set().union(*(_values(p, "phase") for p in library)))
        self.assertLabelled(labels.MEASURE, set().union(*(_values(p, "measure") for p in library)))
        self.assertLabelled(
            labels.EVIDENCE, set().union(*(_values(p, "evidence") for p in library))
        )
        title = load_definition("iv-ketamine-trd").title
        self.assertEqual(labels.label(labels.PROTOCOL, "iv-ketamine-trd"), title)

    def test_session_states(self):
        self.assertLabelled(labels.SESSION_STATE, states.STATES)

    def test_every_audit_event_type_the_code_records(self):
        recorded = set(states.EVENTS.values())
        for path in SRC.rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            recorded |= set(EVENT_TYPE.findall(path.read_text()))
        recorded -= {"test.recorded", "test.after_rotation"}
        self.assertGreater(len(recorded), 50)
        self.assertLabelled(labels.AUDIT_EVENT, recorded)
