from django.apps import AppConfig


class TreatmentSessionsConfig(AppConfig):
    name = "ketamine_care.treatment_sessions"
    label = "treatment_sessions"

    def ready(self) -> None:
        from ketamine_care.treatment_sessions import labels

        labels.register()
        # Outcome summaries (outcomes, below) mark when each dosing session started.
        from ketamine_care.outcomes.providers import register_dose_times
        from ketamine_care.treatment_sessions.queries import dose_times

        register_dose_times(dose_times)
        # The day list and plan calendar (dosing, below) show whether each planned visit was
        # kept and offer to schedule or check it in.
        from ketamine_care.core.visit_links import register_visit_links
        from ketamine_care.treatment_sessions.visit_links import TEMPLATE, visit_links

        register_visit_links(template=TEMPLATE, find=visit_links)
