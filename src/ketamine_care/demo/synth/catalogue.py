"""What a synthetic clinic is made of: the protocols it runs and how often, each protocol's
indications, the response patterns and how often each occurs, names, and the planned
course lengths. Proportions are illustrations for load and dashboards, not clinical data;
the response curves are the demo's (`demo.score_histories`), after the published patterns
it cites."""

from __future__ import annotations

from decimal import Decimal

from ketamine_care.demo.data import FAMILY, GIVEN
from ketamine_care.demo.treatment import DEMO_PROTOCOLS

# protocol id -> (share of courses, plan horizon in weeks covering its induction visits,
# diagnoses it treats as (ICD-10-CM code, label)). The horizons give the induction series:
# six IV infusions over three weeks, eight esketamine sessions over four, one bipolar infusion.
PROTOCOLS: dict[str, tuple[float, int, tuple[tuple[str, str], ...]]] = {
    "iv-ketamine-trd": (
        0.45,
        3,
        (
            ("F33.2", "Major depressive disorder, recurrent severe without psychotic features"),
            (
                "F32.2",
                "Major depressive disorder, single episode, severe without psychotic features",
            ),
        ),
    ),
    "esketamine-trd-label": (
        0.35,
        4,
        (("F33.2", "Major depressive disorder, recurrent severe without psychotic features"),),
    ),
    "esketamine-mdsi-label": (
        0.10,
        4,
        (("F33.2", "Major depressive disorder, recurrent severe without psychotic features"),),
    ),
    "iv-ketamine-bipolar-depression": (0.10, 1, (("F31.81", "Bipolar II disorder"),)),
}
CLINIC_VALUES = {pid: DEMO_PROTOCOLS[pid] for pid in PROTOCOLS}

# What became of each registered patient: a course of treatment, a screening that led to no
# course (declined, deferred), or a registration only (an enquiry, a consultation, an
# imported record). Most rows belong to courses: the shares keep a million patients within
# the load time the registry benchmark allows (docs/RESEARCH.md, "Synthetic data").
JOURNEYS = {"course": 0.30, "screened": 0.15, "registered": 0.55}

# Response patterns (demo.score_histories.PATTERNS) and their shares of courses.
PATTERN_SHARES = {
    "rapid_responder": 0.30,
    "responds_after_three": 0.25,
    "non_responder": 0.30,
    "relapses_after_series": 0.15,
}
# Fraction of the baseline MADRS at 3, 6 and 12 months after the series, per pattern.
LATER = {
    "rapid_responder": (0.36, 0.4, 0.42),
    "responds_after_three": (0.4, 0.42, 0.45),
    "non_responder": (0.9, 0.88, 0.86),
    "relapses_after_series": (0.9, 0.85, 0.8),
}
FOLLOW_UP_MONTH_DAYS = (91, 182, 365)
# Fraction of the baseline MADRS 4 hours after the first dose (illustrations): rapid
# responders, and those who respond and then relapse, already respond at 4 hours.
EARLY_4H = {
    "rapid_responder": 0.5,
    "responds_after_three": 0.9,
    "non_responder": 0.93,
    "relapses_after_series": 0.55,
}
# Share of the 3-, 6- and 12-month follow-ups missed (measures are often missing in practice).
MISSED_FOLLOW_UP = 0.25

# Share of patients who stop the series early (after a random number of sessions).
DROP_OUT = 0.08
# Share of patients with research consent given (the rest never asked or declined), of
# those the share who later withdrew it, and the consent text's version.
CONSENT = 0.85
WITHDRAWN = 0.02
CONSENT_TEXT_VERSION = "synthetic-1"
# Share of sessions with an adverse event recorded, and the events drawn.
ADVERSE_EVENT_RATE = 0.04
ADVERSE_EVENTS = (
    ("nausea", "mild", "Ondansetron given; settled.", "resolved"),
    ("dissociation", "mild", "Reassured; dimmed lights.", "resolved"),
    ("hypertension", "moderate", "Repeated BP after 5 min; prescriber informed.", "resolved"),
    ("sedation", "mild", "Observed; recovered before discharge.", "resolved"),
    ("vomiting", "mild", "Antiemetic given; settled.", "resolved"),
)

GIVEN_NAMES = GIVEN
FAMILY_NAMES = FAMILY
# Medications that never stop a course (no benzodiazepine); bipolar depression is treated
# on a mood stabiliser.
ANTIDEPRESSANTS = (
    ("Sertraline", Decimal("100"), "mg", "once daily", "ssri"),
    ("Escitalopram", Decimal("10"), "mg", "once daily", "ssri"),
    ("Venlafaxine XR", Decimal("150"), "mg", "once daily", "snri"),
    ("Bupropion XL", Decimal("300"), "mg", "once daily", "other"),
)
MOOD_STABILISERS = (("Lithium carbonate", Decimal("600"), "mg", "at night", "lithium"),)
MEDICATIONS = {pid: MOOD_STABILISERS if "bipolar" in pid else ANTIDEPRESSANTS for pid in PROTOCOLS}
# Products the clinic stocks; a lot of each is received for every batch of patients.
VIAL = ("Ketamine HCl 50 mg/mL, 10 mL vial", Decimal("50"), Decimal("10"))
DEVICE = ("SPRAVATO (esketamine) 28 mg nasal device", Decimal("28"))

# Range of the first session's CADSS total 40 minutes after the dose; later sessions ease off.
CADSS_PEAK = (4, 30)
# Vital-sign profiles drawn per session (see vitals.py) and answer sets per total.
VITAL_PROFILES = 64
ANSWER_VARIANTS = 4
# Courses start at a random day in the last YEARS years, up to a week before today.
YEARS = 3
