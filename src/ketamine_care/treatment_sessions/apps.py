from django.apps import AppConfig


class TreatmentSessionsConfig(AppConfig):
    name = "ketamine_care.treatment_sessions"
    label = "treatment_sessions"
