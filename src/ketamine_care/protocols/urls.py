from django.urls import path

from ketamine_care.protocols import views

app_name = "protocols"
urlpatterns = [
    path("", views.library, name="library"),
    path("versions/<uuid:version_id>/publish/", views.publish, name="publish"),
    path("versions/<uuid:version_id>/retire/", views.retire, name="retire"),
    path("<slug:protocol_id>/", views.detail, name="detail"),
    path("<slug:protocol_id>/activate/", views.activate, name="activate"),
    path("<slug:protocol_id>/drafts/new/", views.new_draft, name="new_draft"),
    path("<slug:protocol_id>/drafts/update/", views.update_draft, name="update_draft"),
]
