from django.urls import path

from ketamine_care.portal import measure_views, views

app_name = "portal"
urlpatterns = [
    path("new/<uuid:patient_id>/", views.create_link, name="create_link"),
    path("measures/", measure_views.outstanding_measures, name="outstanding_measures"),
    path("measures/<uuid:request_id>/resend/", measure_views.resend_measure, name="resend_measure"),
    path(
        "contact/<uuid:patient_id>/",
        measure_views.contact_preferences,
        name="contact_preferences",
    ),
    path("settings/measures/", measure_views.measure_settings, name="measure_settings"),
    path("m/<str:token>/", measure_views.message, name="message"),
    path("<str:token>/", views.respond, name="respond"),
]
