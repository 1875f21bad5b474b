from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ketamine_care.demo"
    label = "demo"
