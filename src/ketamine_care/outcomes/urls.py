from django.urls import path

from ketamine_care.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.alert_list, name="alerts"),
    path("<uuid:alert_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("settings/", views.safety_settings, name="settings"),
]
