"""The clinic's words for the codes the data and the rules use (pure; no Django).

A protocol is `iv-ketamine-trd` in its file and "IV racemic ketamine for treatment-resistant
depression (adults)" on a screen; a diagnosis is `mdd` in a rule and "Major depressive
disorder" to the prescriber. Each app registers the words for its own codes here, in its
`AppConfig.ready()` (as it registers chart sections in `core.sections`), and every template
shows a code through `{{ code|label:"diagnosis" }}` (`core/templatetags/labels.py`).

A code nobody labelled is never shown raw: `humanise()` turns it into words
("post_dose" -> "Post dose"), and each app's tests list every code its data files use and
fail when one has no registered label, so the fallback is a safety net, not the way words
are chosen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# The kinds of code a screen shows. An app may register a kind not listed here; these are
# the ones shared by more than one app.
PROTOCOL = "protocol"  # protocol id -> its title
ROUTE = "route"  # iv -> intravenous
DRUG = "drug"
DIAGNOSIS = "diagnosis"  # screening vocabulary words
HISTORY = "history"  # medical history words of the screening vocabulary
DRUG_CLASS = "drug_class"
SUICIDE_RISK = "suicide_risk"
SEVERITY = "severity"  # a screening reason's severity
VERDICT = "verdict"
RULE = "rule"  # a screening rule id -> a short name of the criterion
SESSION_STATE = "session_state"
ALERT_TIER = "alert_tier"
TIME_POINT = "time_point"
MEASURE = "measure"  # a vital sign a threshold reads
AUDIT_EVENT = "audit_event"
AUDIT_FIELD = "audit_field"  # a field named in an audit event's changes
POPULATION = "population"
SETTING = "setting"
INDICATION = "indication"
PHASE = "phase"
INSTRUMENT = "instrument"
SCORE_FLAG = "score_flag"  # a flag a score carries besides its safety flags (audit_c_positive)
EVIDENCE = "evidence"

# Comparison words, for rule conditions and alert thresholds: "systolic above 140".
COMPARISONS: dict[str, str] = {
    "gt": "above",
    ">": "above",
    "ge": "at or above",
    ">=": "at or above",
    "lt": "below",
    "<": "below",
    "le": "at or below",
    "<=": "at or below",
    "eq": "equal to",
    "==": "equal to",
    "ne": "not equal to",
    "!=": "not equal to",
}

_LABELS: dict[str, dict[str, str]] = {}

# The evidence tags of `core/evidence.py`, as a source's footnote names them.
EVIDENCE_LABELS: dict[str, str] = {
    "FDA-LABEL": "FDA label",
    "FDA": "FDA communication",
    "REMS": "REMS programme",
    "GUIDELINE": "Guideline",
    "CONSENSUS": "Expert consensus",
    "META": "Meta-analysis",
    "RCT": "Randomised trial",
    "OPEN": "Open-label study",
    "OBS": "Observational study",
    "INSTITUTIONAL": "Clinic default",
    "PSYCHOMETRIC": "Psychometric study",
    "METHOD": "Statistical method",
    "UNCONFIRMED": "Unconfirmed",
}

# Letters that stay capitals when a code is humanised: "iv" reads "IV", not "Iv".
_ACRONYMS = {
    "iv": "IV",
    "im": "IM",
    "sc": "SC",
    "bp": "BP",
    "hr": "HR",
    "rr": "RR",
    "ed": "ED",
    "trd": "TRD",
    "ptsd": "PTSD",
    "ocd": "OCD",
    "mdd": "MDD",
    "rems": "REMS",
    "api": "API",
    "mrn": "MRN",
    "icd10": "ICD-10",
    "spo2": "SpO2",
    "maoi": "MAOI",
    "ssri": "SSRI",
    "snri": "SNRI",
    "tca": "TCA",
    "aud": "AUD",
    "gad": "GAD",
}
_SEPARATORS = re.compile(r"[\s_.\-/:]+")


def humanise(code: object) -> str:
    """A code nobody labelled, in readable words: `post_dose` -> "Post dose",
    `patient.viewed` -> "Patient viewed", `iv-ketamine-trd` -> "IV ketamine TRD"."""
    text = "" if code is None else str(code)
    words = [w for w in _SEPARATORS.split(text) if w]
    if not words:
        return text.strip()
    shown = [_ACRONYMS.get(w.lower(), w) for w in words]
    first = shown[0]
    if first == words[0] and first.islower():
        shown[0] = first[:1].upper() + first[1:]
    return " ".join(shown)


def _register_core() -> None:
    _LABELS.setdefault(EVIDENCE, {}).update(EVIDENCE_LABELS)


def register_labels(kind: str, labels: Mapping[str, str]) -> None:
    """Add (or replace, code by code) the words for codes of `kind`; call from `ready()`."""
    for code, words in labels.items():
        if not str(words).strip():
            raise ValueError(f"The {kind} label of {code!r} is empty.")
    _LABELS.setdefault(kind, {}).update({str(k): str(v) for k, v in labels.items()})


def label(kind: str, code: object) -> str:
    """The words for `code`; a code with no registered words is humanised, never shown raw."""
    if code is None or code == "":
        return ""
    return _LABELS.get(kind, {}).get(str(code)) or humanise(code)


def labels(kind: str) -> dict[str, str]:
    """Every registered label of `kind`, by code (a copy)."""
    return dict(_LABELS.get(kind, {}))


def unlabelled(kind: str, codes: Iterable[object]) -> list[str]:
    """The codes of `kind` with no registered words, sorted: what a test must list empty."""
    known = _LABELS.get(kind, {})
    return sorted({str(code) for code in codes if str(code) not in known})


def join_words(items: Iterable[str], conjunction: str = "or") -> str:
    """ "A", "A or B", "A, B or C"."""
    parts = [item for item in items if item]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


def number(value: object) -> str:
    """A number as a clinician writes it: 140, 0.5 (never 140.0)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def comparison(subject: str, op: str, value: object, unit: str = "") -> str:
    """ "systolic above 140 mmHg": a subject, a comparison in words and a value."""
    words = COMPARISONS.get(op, humanise(op).lower())
    shown = f"{number(value)} {unit}".strip()
    return f"{subject} {words} {shown}"


_register_core()
