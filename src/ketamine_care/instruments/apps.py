from django.apps import AppConfig


class InstrumentsConfig(AppConfig):
    name = "ketamine_care.instruments"
    label = "instruments"
