from django.urls import path

from ketamine_care.research import views

app_name = "research"
urlpatterns = [
    path("", views.workspace, name="workspace"),
]
