from django.urls import path

from ketamine_care.outcomes import plan_views

app_name = "safety_plans"
urlpatterns = [
    path("<uuid:patient_id>/safety-plan/", plan_views.safety_plan, name="page"),
    path("<uuid:patient_id>/safety-plan/save/", plan_views.save_safety_plan, name="save"),
    path("<uuid:patient_id>/safety-plan/print/", plan_views.print_safety_plan, name="print"),
]
