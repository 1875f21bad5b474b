from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "ketamine_care.patients"
    label = "patients"
