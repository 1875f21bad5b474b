from django.apps import AppConfig


class SurveillanceConfig(AppConfig):
    name = "ketamine_care.surveillance"
    label = "surveillance"
