from django.urls import path

from ketamine_care.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
