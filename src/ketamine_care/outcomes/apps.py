from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "ketamine_care.outcomes"
    label = "outcomes"
