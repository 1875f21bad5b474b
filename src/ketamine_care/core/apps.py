from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ketamine_care.core"
    label = "core"

    def ready(self) -> None:
        from ketamine_care.core import checks  # noqa: F401  (registers system checks)
