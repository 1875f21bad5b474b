from django.urls import path

from ketamine_care.courses import views

app_name = "courses"
urlpatterns = [
    path(
        "patients/<uuid:patient_id>/plans/<uuid:plan_id>/course-review/accept/",
        views.accept,
        name="accept",
    ),
    path(
        "patients/<uuid:patient_id>/plans/<uuid:plan_id>/course-review/decline/",
        views.decline,
        name="decline",
    ),
]
