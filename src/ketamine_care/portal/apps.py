from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ketamine_care.portal"
    label = "portal"

    def ready(self) -> None:
        from ketamine_care.portal import labels

        labels.register()
