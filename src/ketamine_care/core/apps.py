from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ketamine_care.core"
    label = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from ketamine_care.core import checks  # noqa: F401  (registers system checks)
        from ketamine_care.core.pg_times import use_compiled_loader

        connection_created.connect(use_compiled_loader, dispatch_uid="core-compiled-times")
