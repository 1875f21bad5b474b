"""Properties of the vital-sign safety rules (hypothesis): a normal paediatric reading for its
age band never alerts; reporting a symptom never lowers the highest alert tier."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ketamine_care.protocols.library import load_definition
from ketamine_care.treatment_sessions.adapter import monitoring_from_protocol, paediatric_vitals
from ketamine_care.treatment_sessions.alerts import TIERS, evaluate_alerts
from ketamine_care.treatment_sessions.readings import SYMPTOMS, Reading, check_reading

from .test_alert_properties import sessions

PAEDIATRIC_PROTOCOLS = ("pediatric-procedural-sedation", "iv-ketamine-adolescent-research")


@st.composite
def normal_child(draw: st.DrawFn) -> tuple[str, float, list[Reading]]:
    """A paediatric protocol, an age, and readings inside that age's band."""
    protocol_id = draw(st.sampled_from(PAEDIATRIC_PROTOCOLS))
    age = draw(st.floats(min_value=0, max_value=17.99, allow_nan=False))
    vitals = paediatric_vitals(load_definition(protocol_id).monitoring.paediatric_vitals)
    band = vitals.band_for(age)
    line = band.hypotension_line(age)
    readings = []
    for minute in draw(st.lists(st.integers(-20, 240), min_size=1, max_size=6)):
        systolic = draw(st.integers(int(line), 120))
        reading = Reading(
            minute=minute,
            bp_systolic=systolic,
            bp_diastolic=draw(st.integers(30, min(80, systolic - 10))),
            heart_rate=draw(st.integers(int(band.hr_min), int(band.hr_max))),
            respiratory_rate=draw(st.integers(int(band.rr_min), int(band.rr_max))),
            spo2=draw(st.integers(int(vitals.hypoxia_spo2_below), 100)),
            moaas=5,
        )
        readings.append(check_reading(reading, 0))
    return protocol_id, age, readings


@settings(max_examples=300, deadline=None)
@given(normal_child())
def test_a_normal_paediatric_reading_for_its_age_band_never_alerts(case) -> None:
    protocol_id, age, readings = case
    monitoring = monitoring_from_protocol(load_definition(protocol_id), age_years=age)
    assert evaluate_alerts(readings, monitoring.rules) == []


RULES = monitoring_from_protocol(load_definition("iv-ketamine-trd")).rules


def highest_tier(readings: list[Reading]) -> int:
    return max((TIERS.index(a.tier) for a in evaluate_alerts(readings, RULES)), default=-1)


@settings(max_examples=300, deadline=None)
@given(sessions, st.data())
def test_adding_a_symptom_never_lowers_a_tier(readings: list[Reading], data) -> None:
    with_bp = [i for i, r in enumerate(readings) if r.bp_systolic or r.bp_diastolic]
    if not with_bp:
        return
    index = data.draw(st.sampled_from(with_bp))
    symptom = data.draw(st.sampled_from(list(SYMPTOMS)))
    changed = list(readings)
    reading = changed[index]
    changed[index] = Reading(**{**reading.__dict__, "symptoms": (*reading.symptoms, symptom)})
    assert highest_tier(changed) >= highest_tier(readings)
