from django.urls import path

from ketamine_care.surveillance import views

app_name = "surveillance"
urlpatterns = [
    path("patients/<uuid:patient_id>/<slug:check_kind>/", views.record, name="record"),
    path("alerts/<uuid:surveillance_alert_id>/acknowledge/", views.acknowledge, name="acknowledge"),
]
