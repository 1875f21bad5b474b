from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ketamine_care.audit"
    label = "audit"

    def ready(self) -> None:
        from ketamine_care.audit import jobs  # noqa: F401  (registers the anchoring job)
