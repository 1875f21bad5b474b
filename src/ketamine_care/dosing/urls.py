from django.urls import path

from ketamine_care.dosing import views

app_name = "dosing"
urlpatterns = [
    path("patients/<uuid:patient_id>/dose/", views.dose, name="dose"),
    path("patients/<uuid:patient_id>/plans/new/", views.new_plan, name="new_plan"),
    path("patients/<uuid:patient_id>/plans/<uuid:plan_id>/", views.plan_detail, name="plan"),
    path(
        "patients/<uuid:patient_id>/plans/<uuid:plan_id>/visits/<uuid:visit_id>/move/",
        views.move_visit,
        name="move_visit",
    ),
    path(
        "patients/<uuid:patient_id>/plans/<uuid:plan_id>/confirm-conditional/",
        views.confirm_conditional,
        name="confirm_conditional",
    ),
    path("plans/day/", views.day_list, name="day"),
    path("settings/label-jurisdiction/", views.label_jurisdiction, name="label_jurisdiction"),
]
