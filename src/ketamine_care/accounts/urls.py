from django.urls import path

from ketamine_care.accounts import (
    export_views,
    job_views,
    landing,
    reset_views,
    staff_views,
    views,
)

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.otp_verify, name="otp_verify"),
    path("two-factor/setup/", views.otp_setup, name="otp_setup"),
    path("two-factor/backup-codes/", views.backup_codes, name="backup_codes"),
    path("switch-clinic/", views.switch_clinic_view, name="switch_clinic"),
    path("administration/", landing.administration, name="administration"),
    path("administration/invite/", staff_views.invite, name="invite"),
    path(
        "administration/invitations/<uuid:invitation_id>/",
        staff_views.invitation,
        name="invitation",
    ),
    path("administration/people/<uuid:member_id>/", staff_views.member, name="member"),
    path("administration/clinic/", staff_views.clinic_settings, name="clinic_settings"),
    path("invitation/<str:token>/", staff_views.accept_invitation, name="accept_invitation"),
    path("password-reset/", reset_views.password_reset, name="password_reset"),
    path(
        "password-reset/<uidb64>/<token>/",
        reset_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("cohorts/", landing.cohorts, name="cohorts"),
    path("administration/jobs/", job_views.failed_jobs_page, name="failed_jobs"),
    path("administration/jobs/<uuid:job_id>/retry/", job_views.retry_job, name="retry_job"),
    path("exports/<uuid:export_id>/", export_views.export_page, name="export"),
    path(
        "exports/<uuid:export_id>/download/",
        export_views.export_download,
        name="export_download",
    ),
]
