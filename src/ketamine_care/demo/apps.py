from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ketamine_care.demo"
    label = "demo"

    def ready(self) -> None:
        from ketamine_care.demo import labels

        labels.register()
