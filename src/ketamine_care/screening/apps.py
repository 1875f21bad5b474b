from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "ketamine_care.screening"
    label = "screening"

    def ready(self) -> None:
        # A protocol version pins its screening rule set when it becomes active; protocols
        # sits below screening, so screening hands it the pinner rather than being imported.
        from ketamine_care.core.sections import MEDICATION_ROW, register_section
        from ketamine_care.protocols.pinning import SCREENING, register_pinner
        from ketamine_care.screening import labels
        from ketamine_care.screening.chart import medication_warnings
        from ketamine_care.screening.rule_set import pin_for_protocol

        labels.register()
        register_pinner(SCREENING, pin_for_protocol)
        # Each medication row of the chart (patients, below) shows its interaction warnings.
        register_section(
            MEDICATION_ROW,
            "interactions",
            template="screening/_medication_warnings.html",
            context=medication_warnings,
            order=10,
        )
