from django.urls import path

from ketamine_care.research import consent_views, export_views, views

app_name = "research"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("projects/new/", views.new_project, name="new_project"),
    path("projects/<uuid:project_id>/", views.project, name="project"),
    path(
        "patients/<uuid:patient_id>/consent/",
        consent_views.record_consent,
        name="record_consent",
    ),
    path("projects/<uuid:project_id>/export/", export_views.start_export, name="export"),
]
