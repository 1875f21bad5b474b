from django.urls import path

from ketamine_care.therapy import caseload_views, views

app_name = "therapy"
urlpatterns = [
    path("", caseload_views.caseload, name="caseload"),
    path("settings/", caseload_views.caseload_settings, name="settings"),
    path("patients/<uuid:patient_id>/", views.patient_sessions, name="patient"),
    path("patients/<uuid:patient_id>/new/", views.new_session, name="new"),
    path("sessions/<uuid:therapy_session_id>/", views.detail, name="detail"),
    path("sessions/<uuid:therapy_session_id>/edit/", views.edit, name="edit"),
    path("sessions/<uuid:therapy_session_id>/sign/", views.sign, name="sign"),
    path("sessions/<uuid:therapy_session_id>/amend/", views.amend, name="amend"),
    path(
        "alerts/<uuid:risk_alert_id>/acknowledge/", caseload_views.acknowledge, name="acknowledge"
    ),
]
