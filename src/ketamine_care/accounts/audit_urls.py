from django.urls import path

from ketamine_care.accounts import audit_views as views

# Keeps the "audit" namespace: `{% url "audit:list" %}` names the page, wherever it lives.
app_name = "audit"
urlpatterns = [path("", views.audit_list, name="list")]
