from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ketamine_care.audit"
    label = "audit"

    def ready(self) -> None:
        from ketamine_care.audit import jobs  # registers the anchoring job
        from ketamine_care.core import labels

        labels.register_labels("job", {jobs.ANCHOR_JOB: "Audit anchoring"})
