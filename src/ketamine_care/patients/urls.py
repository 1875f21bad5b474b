from django.urls import path

from ketamine_care.patients import import_views, views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_register, name="register"),
    path("import/", import_views.patient_import, name="import"),
    path("<uuid:patient_id>/", views.patient_chart, name="chart"),
    path("<uuid:patient_id>/edit/", views.patient_edit, name="edit"),
    path(
        "<uuid:patient_id>/entered-in-error/",
        views.patient_entered_in_error,
        name="entered_in_error",
    ),
    path(
        "<uuid:patient_id>/no-known-drug-allergies/",
        views.record_no_known_drug_allergies,
        name="record_nkda",
    ),
    path("<uuid:patient_id>/<str:kind>/add/", views.add_chart_entry, name="add_entry"),
    path(
        "<uuid:patient_id>/<str:kind>/<uuid:row_id>/entered-in-error/",
        views.chart_entry_entered_in_error,
        name="entry_entered_in_error",
    ),
]
