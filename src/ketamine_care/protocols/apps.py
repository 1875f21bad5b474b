from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "ketamine_care.protocols"
    label = "protocols"

    def ready(self) -> None:
        from ketamine_care.protocols import labels

        labels.register()
