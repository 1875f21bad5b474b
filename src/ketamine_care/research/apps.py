from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "ketamine_care.research"
    label = "research"
    verbose_name = "Research"

    def ready(self) -> None:
        from ketamine_care.core.demo_loaders import register_demo_loader
        from ketamine_care.core.sections import PATIENT_CHART, register_section
        from ketamine_care.research import labels
        from ketamine_care.research.chart import consent_section
        from ketamine_care.research.demo import demo_project
        from ketamine_care.research.export import job as export_job
        from ketamine_care.research.export import labels as export_labels

        labels.register()
        export_labels.register()
        export_job.register()
        register_section(
            PATIENT_CHART,
            "research_consent",
            template="research/_chart_consent.html",
            context=consent_section,
            order=45,
        )
        register_demo_loader("research_project", demo_project)
