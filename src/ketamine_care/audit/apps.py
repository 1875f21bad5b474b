from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ketamine_care.audit"
    label = "audit"
