from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "ketamine_care.screening"
    label = "screening"
