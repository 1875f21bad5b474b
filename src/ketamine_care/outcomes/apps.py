from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "ketamine_care.outcomes"
    label = "outcomes"

    def ready(self) -> None:
        from ketamine_care.outcomes import labels

        labels.register()
        # The chart (patients) and the score entry (instruments) sit below outcomes: outcomes
        # registers its chart section and the safety rules run on each new administration.
        from ketamine_care.core.sections import PATIENT_CHART, register_section
        from ketamine_care.instruments.services import register_recorded_hook
        from ketamine_care.outcomes.queries import measures_section
        from ketamine_care.outcomes.services import raise_alerts
        from ketamine_care.outcomes.summaries import refresh_after_recording

        register_section(
            PATIENT_CHART,
            "measures",
            template="outcomes/_measures_section.html",
            context=measures_section,
            order=10,
        )
        register_recorded_hook(raise_alerts)
        # Each instrument's outcome summary is kept on write (outcomes.summaries).
        register_recorded_hook(refresh_after_recording)
        # Questionnaire safety alerts join the clinic's one alert feed (core.alert_feed).
        from ketamine_care.core.alert_feed import register_feed
        from ketamine_care.outcomes import alert_feed

        register_feed(alert_feed.FEED, items=alert_feed.items, count=alert_feed.count)
