"""Mounted at /fhir/ (config/urls.py), so that the base URL `/fhir/R4` itself, without a
slash, is the transaction endpoint (`POST [base]`, as the FHIR spec writes it)."""

from django.urls import path

from ketamine_care.fhir import bulk_views, clinic_export_views, transaction_views, views

app_name = "fhir"

urlpatterns = [
    path("R4", transaction_views.transaction_bundle, name="transaction"),
    path("R4/metadata", views.metadata, name="metadata"),
    path("R4/$export", bulk_views.export_system, name="export_system"),
    path("R4/Patient/$export", bulk_views.export_patient, name="export_patient"),
    path("R4/Group/<str:group_id>/$export", bulk_views.export_group, name="export_group"),
    path("R4/bulk/<str:export_id>", bulk_views.export_status, name="export_status"),
    path("R4/bulk/<str:export_id>/<str:filename>", bulk_views.export_file, name="export_file"),
    # The administration page's button (a signed-in page, not the FHIR API).
    path("clinic-export/", clinic_export_views.clinic_export, name="clinic_export"),
    path("R4/<str:resource_type>", views.search_type, name="search"),
    path("R4/<str:resource_type>/<str:resource_id>", views.read, name="read"),
]
