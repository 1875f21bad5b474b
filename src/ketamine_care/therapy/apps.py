from django.apps import AppConfig


class TherapyConfig(AppConfig):
    name = "ketamine_care.therapy"
    label = "therapy"
    verbose_name = "Psychotherapy and integration"

    def ready(self) -> None:
        from ketamine_care.core import alert_feed
        from ketamine_care.core.sections import PATIENT_CHART, register_section
        from ketamine_care.therapy import alert_feed as therapy_feed
        from ketamine_care.therapy import labels
        from ketamine_care.therapy.chart import therapy_section

        labels.register()
        alert_feed.register_feed(
            therapy_feed.FEED, items=therapy_feed.items, count=therapy_feed.count
        )
        register_section(
            PATIENT_CHART,
            "therapy",
            template="therapy/_chart_therapy.html",
            context=therapy_section,
            order=35,
        )
