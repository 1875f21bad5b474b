from django.urls import path

from ketamine_care.fhir import bulk_views, views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("$export", bulk_views.export_system, name="export_system"),
    path("Patient/$export", bulk_views.export_patient, name="export_patient"),
    path("Group/<str:group_id>/$export", bulk_views.export_group, name="export_group"),
    path("bulk/<str:export_id>", bulk_views.export_status, name="export_status"),
    path("bulk/<str:export_id>/<str:filename>", bulk_views.export_file, name="export_file"),
    path("<str:resource_type>", views.search_type, name="search"),
    path("<str:resource_type>/<str:resource_id>", views.read, name="read"),
]
