from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "ketamine_care.screening"
    label = "screening"

    def ready(self) -> None:
        # A protocol version pins its screening rule set when it becomes active; protocols
        # sits below screening, so screening hands it the pinner rather than being imported.
        from ketamine_care.protocols.pinning import SCREENING, register_pinner
        from ketamine_care.screening.rule_set import pin_for_protocol

        register_pinner(SCREENING, pin_for_protocol)
