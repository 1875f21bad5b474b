from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "ketamine_care.research"
    label = "research"
    verbose_name = "Research"

    def ready(self) -> None:
        from ketamine_care.research import labels

        labels.register()
