from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "ketamine_care.dosing"
    label = "dosing"
