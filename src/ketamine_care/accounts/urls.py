from django.urls import path

from ketamine_care.accounts import job_views, landing, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.otp_verify, name="otp_verify"),
    path("two-factor/setup/", views.otp_setup, name="otp_setup"),
    path("switch-clinic/", views.switch_clinic_view, name="switch_clinic"),
    path("administration/", landing.administration, name="administration"),
    path("cohorts/", landing.cohorts, name="cohorts"),
    path("administration/jobs/", job_views.failed_jobs_page, name="failed_jobs"),
    path("administration/jobs/<uuid:job_id>/retry/", job_views.retry_job, name="retry_job"),
]
