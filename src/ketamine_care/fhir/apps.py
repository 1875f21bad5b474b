from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "ketamine_care.fhir"
    label = "fhir"

    def ready(self) -> None:
        # Each resource module registers its resource types (registry.register).
        from ketamine_care.fhir import bulk, clinic_export_job, labels, resources

        labels.register()
        resources.register_all()
        bulk.register_job()
        clinic_export_job.register()
