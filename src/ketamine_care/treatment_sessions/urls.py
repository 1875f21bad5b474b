from django.urls import path

from ketamine_care.treatment_sessions import views, views_rems

app_name = "treatment_sessions"
urlpatterns = [
    path("", views.floor, name="floor"),
    path("new/", views.schedule, name="schedule"),
    path("check-in/", views.check_in_list, name="check_in_list"),
    path("rems/", views_rems.rems_due, name="rems_due"),
    path("rems/export.csv", views_rems.rems_export, name="rems_export"),
    path("<uuid:session_id>/", views.detail, name="detail"),
    path("<uuid:session_id>/check-in/", views.check_in, name="check_in"),
    path("<uuid:session_id>/transition/", views.transition, name="transition"),
    path("<uuid:session_id>/pre-checks/", views.pre_checks, name="pre_checks"),
    path("<uuid:session_id>/pre-checks/override/", views.override, name="override"),
    path("<uuid:session_id>/dose/", views.dose, name="dose"),
    path("<uuid:session_id>/vitals/", views.vitals, name="vitals"),
    path(
        "<uuid:session_id>/alerts/<uuid:session_alert_id>/acknowledge/",
        views.acknowledge,
        name="acknowledge",
    ),
    path("<uuid:session_id>/adverse-events/", views.adverse_event, name="adverse_event"),
    path("<uuid:session_id>/sign/", views.sign, name="sign"),
    path("<uuid:session_id>/amend/", views.amend, name="amend"),
    path("<uuid:session_id>/rems/", views_rems.rems_form, name="rems_form"),
    path("<uuid:session_id>/rems/print/", views_rems.rems_print, name="rems_print"),
    path("<uuid:session_id>/rems/submit/", views_rems.rems_submit, name="rems_submit"),
]
