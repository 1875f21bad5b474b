from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ketamine_care.portal"
    label = "portal"

    def ready(self) -> None:
        from ketamine_care.portal import labels, reminders

        labels.register()
        del reminders  # imported to register its job
        # The chart (patients, below) lists the patient's self-report links.
        from ketamine_care.core.sections import PATIENT_CHART, register_section
        from ketamine_care.portal.chart import links_section

        register_section(
            PATIENT_CHART,
            "self_report_links",
            template="portal/_chart_links.html",
            context=links_section,
            order=40,
        )
