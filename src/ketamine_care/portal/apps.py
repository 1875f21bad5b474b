from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ketamine_care.portal"
    label = "portal"

    def ready(self) -> None:
        from ketamine_care.portal import instructions, labels, measures, reminders

        labels.register()
        del reminders, measures, instructions  # imported to register their jobs
        # The chart (patients, below) lists the patient's self-report links and scheduled
        # measures; the clinic settings page (outcomes) shows the measure settings.
        from ketamine_care.core.pre_session_notices import register_pre_session_notice
        from ketamine_care.core.sections import CLINIC_SETTINGS, PATIENT_CHART, register_section
        from ketamine_care.portal.chart import (
            links_section,
            measure_settings_section,
            measures_section,
        )
        from ketamine_care.portal.pre_session import missed_measures

        register_section(
            PATIENT_CHART,
            "self_report_links",
            template="portal/_chart_links.html",
            context=links_section,
            order=40,
        )
        register_section(
            PATIENT_CHART,
            "scheduled_measures",
            template="portal/_chart_measures.html",
            context=measures_section,
            order=41,
        )
        register_section(
            CLINIC_SETTINGS,
            "measure_settings",
            template="portal/_measure_settings.html",
            context=measure_settings_section,
            order=30,
        )
        # treatment_sessions (below) lists a missed measure in its pre-session checks.
        register_pre_session_notice("missed_measures", missed_measures)
