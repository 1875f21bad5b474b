from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "ketamine_care.research"
    label = "research"
    verbose_name = "Research"

    def ready(self) -> None:
        from ketamine_care.research import labels
        from ketamine_care.research.export import job as export_job
        from ketamine_care.research.export import labels as export_labels

        labels.register()
        export_labels.register()
        export_job.register()
