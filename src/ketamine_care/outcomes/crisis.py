"""Default crisis texts. A clinic replaces them in its ClinicSafetySettings; these apply
until it does. The US crisis line and emergency number are facts, not clinical thresholds.

The crisis resources say nothing about whether the clinic was told: the same text is shown
after a visit and printed on the safety plan. The self-report crisis screen adds one of the
two sentences below, and says the clinic was told only when an alert was stored for it.
"""

DEFAULT_CRISIS_RESOURCES = (
    "If you are thinking about suicide or about harming yourself, or you are in crisis, "
    "please get help now.\n"
    "Call or text 988 to reach the 988 Suicide & Crisis Lifeline (free, 24 hours a day).\n"
    "If you are in immediate danger, call 911 or go to the nearest emergency department."
)

CLINIC_ALERTED = "Your clinic has been told about your answers and will contact you."
CLINIC_NOT_ALERTED = "Please also call your clinic and tell them about your answers."

DEFAULT_CRISIS_PROTOCOL = (
    "High suicide risk on the C-SSRS screener. The clinic has not written its own crisis "
    "protocol yet. Do not leave the patient alone; arrange immediate evaluation by a "
    "licensed clinician; if the patient is not on site, contact them now and, if you "
    "cannot ensure their safety, call 911. Patients can reach the 988 Suicide & Crisis "
    "Lifeline by calling or texting 988."
)
