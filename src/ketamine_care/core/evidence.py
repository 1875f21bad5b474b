"""Evidence tags of the clinical data, shared by every kind of clinical data file.

Pure: no Django import, so protocol, screening and instrument definitions can use it.
"""

from __future__ import annotations

from typing import Literal

EvidenceTag = Literal[
    "FDA-LABEL",
    "FDA",
    "REMS",
    "GUIDELINE",
    "CONSENSUS",
    "META",
    "RCT",
    "OPEN",
    "OBS",
    "INSTITUTIONAL",
    "PSYCHOMETRIC",
    "METHOD",  # a statistical or analysis method (Wilson's interval, Kaplan-Meier)
    "UNCONFIRMED",
]
