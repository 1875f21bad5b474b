from django.apps import AppConfig


class TreatmentSessionsConfig(AppConfig):
    name = "ketamine_care.treatment_sessions"
    label = "treatment_sessions"

    def ready(self) -> None:
        from ketamine_care.treatment_sessions import labels

        labels.register()
        # The REMS CSV is made by a background job (jobs, below).
        from ketamine_care.treatment_sessions.services import rems_export

        rems_export.register()
        # Outcome summaries (outcomes, below) mark when each dosing session started.
        from ketamine_care.outcomes.providers import register_dose_times
        from ketamine_care.treatment_sessions.queries import dose_times

        register_dose_times(dose_times)
        # The chart (patients, below) shows the course of sessions and today's session.
        from ketamine_care.core.sections import PATIENT_CHART, register_section
        from ketamine_care.treatment_sessions.chart import sessions_section

        register_section(
            PATIENT_CHART,
            "sessions",
            template="treatment_sessions/_chart_sessions.html",
            context=sessions_section,
            order=30,
        )
        # Vital-sign alerts and serious adverse events join the clinic's one alert feed.
        from ketamine_care.core.alert_feed import register_feed
        from ketamine_care.treatment_sessions import alert_feed

        register_feed(alert_feed.FEED, items=alert_feed.items, count=alert_feed.count)
        # The day list and plan calendar (dosing, below) show whether each planned visit was
        # kept and offer to schedule or check it in.
        from ketamine_care.core.visit_links import register_visit_links
        from ketamine_care.treatment_sessions.visit_links import TEMPLATE, visit_links

        register_visit_links(template=TEMPLATE, find=visit_links)
