from django.urls import path

from ketamine_care.screening import views

app_name = "screening"
urlpatterns = [
    path("<uuid:patient_id>/screening/", views.workup, name="workup"),
    path("<uuid:patient_id>/screening/<uuid:verdict_id>/", views.verdict_detail, name="verdict"),
    path(
        "<uuid:patient_id>/screening/<uuid:verdict_id>/override/",
        views.override,
        name="override",
    ),
    path("<uuid:patient_id>/screening/<uuid:verdict_id>/cosign/", views.cosign, name="cosign"),
]
