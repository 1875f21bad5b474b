from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "ketamine_care.inventory"
    label = "inventory"
    verbose_name = "Controlled-substance ledger"

    def ready(self) -> None:
        from ketamine_care.inventory import labels

        labels.register()
