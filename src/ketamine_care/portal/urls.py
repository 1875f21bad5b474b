from django.urls import path

from ketamine_care.portal import views

app_name = "portal"
urlpatterns = [
    path("new/<uuid:patient_id>/", views.create_link, name="create_link"),
    path("<str:token>/", views.respond, name="respond"),
]
