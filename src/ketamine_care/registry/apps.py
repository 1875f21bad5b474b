from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "ketamine_care.registry"
    label = "registry"

    def ready(self) -> None:
        # The refresh job registers its handler; writes to the apps below mark summaries
        # stale through model signals (the lower apps know nothing of the registry).
        from ketamine_care.registry import jobs, labels, stale

        labels.register()
        jobs.register_jobs()
        stale.connect()
