from django.urls import path

from ketamine_care.treatment_sessions.views import closing, floor, page, rems, steps

app_name = "treatment_sessions"
urlpatterns = [
    path("", floor.floor, name="floor"),
    path("new/", floor.schedule, name="schedule"),
    path("check-in/", floor.check_in_list, name="check_in_list"),
    path("visits/<uuid:visit_id>/check-in/", floor.check_in_visit, name="check_in_visit"),
    path("to-sign/", closing.to_sign, name="to_sign"),
    path("rems/", rems.rems_due, name="rems_due"),
    path("rems/export/", rems.rems_export, name="rems_export"),
    path("<uuid:session_id>/", page.detail, name="detail"),
    path("<uuid:session_id>/check-in/", floor.check_in, name="check_in"),
    path("<uuid:session_id>/transition/", steps.transition, name="transition"),
    path("<uuid:session_id>/pre-checks/", steps.pre_checks, name="pre_checks"),
    path("<uuid:session_id>/pre-checks/override/", steps.override, name="override"),
    path("<uuid:session_id>/dose/", steps.dose, name="dose"),
    path("<uuid:session_id>/vitals/", steps.vitals, name="vitals"),
    path(
        "<uuid:session_id>/alerts/<uuid:session_alert_id>/acknowledge/",
        steps.acknowledge,
        name="acknowledge",
    ),
    path("<uuid:session_id>/adverse-events/", steps.adverse_event, name="adverse_event"),
    path("<uuid:session_id>/discharge/", closing.discharge, name="discharge"),
    path("<uuid:session_id>/sign/", closing.sign, name="sign"),
    path("<uuid:session_id>/amend/", steps.amend, name="amend"),
    path("<uuid:session_id>/rems/", rems.rems_form, name="rems_form"),
    path("<uuid:session_id>/rems/print/", rems.rems_print, name="rems_print"),
    path("<uuid:session_id>/rems/submit/", rems.rems_submit, name="rems_submit"),
]
