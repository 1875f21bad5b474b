from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "ketamine_care.dosing"
    label = "dosing"

    def ready(self) -> None:
        from ketamine_care.dosing import labels

        labels.register()
        # instruments, outcomes and the chart (patients) sit below dosing, so dosing registers
        # into them: the instrument definitions a plan's protocol version pinned (a patient on
        # a plan is scored with them), the protocol's remission cut-off, and the chart section.
        from ketamine_care.core.sections import CLINIC_SETTINGS, PATIENT_CHART, register_section
        from ketamine_care.dosing.chart import (
            label_jurisdiction_section,
            protocol_remission,
            treatment_section,
        )
        from ketamine_care.dosing.pins import pinned_instrument_for
        from ketamine_care.instruments.services import register_pin_finder
        from ketamine_care.outcomes.providers import register_remission_rules

        register_pin_finder(pinned_instrument_for)
        register_remission_rules(protocol_remission)
        register_section(
            PATIENT_CHART,
            "treatment",
            template="dosing/_treatment_section.html",
            context=treatment_section,
            order=20,
        )
        # The clinic's settings page (outcomes) shows the product label the clinic follows.
        register_section(
            CLINIC_SETTINGS,
            "label_jurisdiction",
            template="dosing/_label_jurisdiction.html",
            context=label_jurisdiction_section,
            order=10,
        )
