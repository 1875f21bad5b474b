from django.apps import AppConfig


class InstrumentsConfig(AppConfig):
    name = "ketamine_care.instruments"
    label = "instruments"

    def ready(self) -> None:
        from ketamine_care.instruments import labels

        labels.register()
