"""What each figure of the outcomes dashboard means, in the clinic's words (pure).

The page prints these under "Definitions" (each with an anchor every figure links to), and
docs/RESEARCH.md, "Clinic outcomes dashboard", gives the same definitions with their sources;
a test keeps the two in step (every key here is a heading anchor there).
"""

from __future__ import annotations

DEFINITIONS: dict[str, tuple[str, str]] = {
    "course": (
        "Course",
        "One treatment plan of a patient, from its start date. A patient treated twice "
        "counts twice; small cells count patients.",
    ),
    "analysable": (
        "Analysable",
        "The protocol's outcome rating scale was given at baseline and again after the "
        "first session (measurement completeness). Rates count analysable courses with a "
        "rating at the time point; 'all' counts every course that reached it.",
    ),
    "response": (
        "Response",
        "The outcome rating at the time point is at least the protocol's percent better "
        "than the baseline (the last rating on or before the first session), e.g. MADRS "
        "50 % lower. A protocol without a response rule shows no response rate.",
    ),
    "remission": (
        "Remission",
        "The outcome rating at the time point meets the protocol's remission cut-off "
        "(e.g. MADRS 10 or less for IV ketamine, 12 or less for esketamine).",
    ),
    "time-points": (
        "End of induction, 3, 6 and 12 months",
        "End of induction: the last rating up to 7 days after the day induction ended (its "
        "sessions given or its weeks passed). 3, 6 and 12 months: the rating nearest course "
        "day 91, 182 and 365 (counted from the first session) within 30 days either side. "
        "These windows are the project's analysis choices, not clinical thresholds.",
    ),
    "wilson": (
        "95 % interval",
        "The Wilson score interval of the rate: the range of true rates consistent with "
        "the count at 95 % confidence; it stays inside 0-100 % and is wide for few patients.",
    ),
    "time-to-response": (
        "Median time to first response",
        "Days from the first session to the first rating that meets response, estimated "
        "by Kaplan-Meier: courses without a response yet are counted until their last "
        "rating (censored). No median is shown until half have responded.",
    ),
    "relapse": (
        "Time to relapse",
        "Days from the first response or remission to relapse as SUSTAIN-1 defines it "
        "(MADRS 22 or more on two ratings 5 to 15 days apart), by Kaplan-Meier; courses "
        "without relapse are censored at their last rating. Only rating scales with a "
        "relapse rule (MADRS) count. The curve stops where fewer than 5 remain at risk.",
    ),
    "at-risk": (
        "Number at risk",
        "Courses still followed and free of relapse on that day after their first response.",
    ),
    "early-response": (
        "Early response",
        "After the first dose, the outcome rating nearest 4 hours (within 1 hour), 24 hours "
        "(within 6 hours) and 7 days (within 1 day) compared with the rating before the "
        "dose, using the protocol's response rule. Shown only where such ratings exist.",
    ),
    "safety": (
        "Adverse events and blood-pressure alerts per 100 sessions",
        "Adverse events recorded, and blood-pressure alerts raised during sessions (high, "
        "sustained, before the dose, with symptoms, or low), per 100 dosing sessions held "
        "in the cohort's courses, by protocol.",
    ),
    "cadss": (
        "Dissociation (CADSS)",
        "Each course's highest CADSS total (0-92) during the course, in bands of 10 points.",
    ),
    "dose": (
        "Dose in mg/kg",
        "Each ketamine dose given in the cohort's planned sessions divided by the weight "
        "recorded at that session's pre-checks, in bands of 0.1 mg/kg. Esketamine is dosed "
        "in fixed mg and is not shown; doses marked entered in error are left out.",
    ),
    "completeness": (
        "Expected versus received measures",
        "The ratings each protocol's schedule expected at baseline and at each session held "
        "so far, and how many were received in their window, by protocol.",
    ),
    "small-cells": (
        "Fewer than 5",
        "A count of 1 to 4 patients is never shown, nor any figure that would reveal it "
        "(its rate, the rest of the rate, a bar, a number at risk).",
    ),
}
