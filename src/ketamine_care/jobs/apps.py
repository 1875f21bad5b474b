from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "ketamine_care.jobs"
    label = "jobs"
