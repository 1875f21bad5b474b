"""The building blocks of a protocol definition: its vocabularies and the frozen, sourced
base models (pure; no Django). `definition.py` composes them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ketamine_care.core.evidence import EvidenceTag

Population = Literal["adult", "adolescent", "older_adult", "paediatric"]
Setting = Literal["psychiatric_clinic", "emergency_department"]
Drug = Literal["ketamine", "esketamine"]
Route = Literal["iv", "im", "sc", "intranasal", "oral"]
DoseBasis = Literal["mg_per_kg", "fixed_mg"]
InstrumentCode = Literal[
    "phq9",
    "gad7",
    "madrs",
    "qids_sr16",
    "hamd17",
    "cssrs_screener",
    "pcl5",
    "ybocs",
    "ymrs",
    "bprs18",
    "cadss",
    "moaas",
    "cgi_s",
    "cgi_i",
    "audit",
    "audit_c",
    "cdrs_r",
    "aldrete",
    "padss",
    "hama",
    "caps5",
    "tlfb",
]
# "map" (mean arterial pressure) is computed from systolic and diastolic, never entered.
Measure = Literal[
    "bp_systolic", "bp_diastolic", "map", "heart_rate", "spo2", "respiratory_rate", "moaas"
]
AGE_BANDED: tuple[str, ...] = ("paediatric", "adolescent")
Comparison = Literal["gt", "lt", "le", "ge", "in"]
AlertPhase = Literal["pre_dose", "post_dose", "any"]
AlertTier = Literal["info", "warning", "urgent"]
ObservationFrom = Literal["first_device", "end_of_infusion"]
TimePoint = Literal[
    "baseline",
    "pre_dose",
    "during",
    "post_dose",
    "pre_discharge",
    "review",
    "follow_up",
]


class Frozen(BaseModel):
    """Base: immutable, and unknown keys are an error so typos in data files fail loudly."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(Frozen):
    """Provenance carried by every clinical value: where it comes from and how strong it is."""

    source: str = Field(min_length=3)
    evidence: EvidenceTag
    editable: bool = False
    note: str | None = None
