from django.urls import path

from ketamine_care.research import export_views, views

app_name = "research"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("projects/<uuid:project_id>/export/", export_views.start_export, name="export"),
]
