from django.urls import path

from ketamine_care.instruments import views

app_name = "instruments"
urlpatterns = [
    path("<uuid:patient_id>/entry/", views.entry_form, name="entry_form"),
    path("<uuid:patient_id>/preview/", views.preview_score, name="preview"),
    path("<uuid:patient_id>/record/", views.record, name="record"),
]
