from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "ketamine_care.patients"
    label = "patients"

    def ready(self) -> None:
        from ketamine_care.patients import labels

        labels.register()
