from django.urls import path  # noqa: F401 - the dashboard's routes are added with its view

app_name = "registry"

urlpatterns: list = []
