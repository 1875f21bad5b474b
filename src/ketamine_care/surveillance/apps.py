from django.apps import AppConfig


class SurveillanceConfig(AppConfig):
    name = "ketamine_care.surveillance"
    label = "surveillance"

    def ready(self) -> None:
        from ketamine_care.surveillance import labels

        labels.register()
        # The chart (patients) and the day list (dosing) sit below surveillance: it registers
        # its sections there, and its alerts join the clinic's one alert feed (core).
        from ketamine_care.core.alert_feed import register_feed
        from ketamine_care.core.sections import DAY_LIST, PATIENT_CHART, register_section
        from ketamine_care.surveillance import alert_feed
        from ketamine_care.surveillance.chart import chart_section, day_list_section

        register_section(
            PATIENT_CHART,
            "surveillance",
            template="surveillance/_chart_section.html",
            context=chart_section,
            order=35,
        )
        register_section(
            DAY_LIST,
            "surveillance_due",
            template="surveillance/_day_list_section.html",
            context=day_list_section,
            order=10,
        )
        register_feed(alert_feed.FEED, items=alert_feed.items, count=alert_feed.count)
