from django.urls import include, path

from ketamine_care.accounts.landing import home
from ketamine_care.config.api import api
from ketamine_care.core.views import healthz

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("accounts/", include("ketamine_care.accounts.urls")),
    path("patients/", include("ketamine_care.patients.urls")),
    path("audit/", include("ketamine_care.accounts.audit_urls")),
    path("inventory/", include("ketamine_care.inventory.urls")),
    path("measures/", include("ketamine_care.instruments.urls")),
    path("alerts/", include("ketamine_care.outcomes.urls")),
    path("self-report/", include("ketamine_care.portal.urls")),
    path("sessions/", include("ketamine_care.treatment_sessions.urls")),
    path("protocols/", include("ketamine_care.protocols.urls")),
    path("surveillance/", include("ketamine_care.surveillance.urls")),
    path("patients/", include("ketamine_care.screening.urls")),
    path("patients/", include("ketamine_care.outcomes.plan_urls")),
    path("therapy/", include("ketamine_care.therapy.urls")),
    path("", include("ketamine_care.dosing.urls")),
    path("", include("ketamine_care.courses.urls")),
    path("fhir/", include("ketamine_care.fhir.urls")),
    path("registry/", include("ketamine_care.registry.urls")),
    path("research/", include("ketamine_care.research.urls")),
]

handler400 = "ketamine_care.config.error_views.bad_request"
handler404 = "ketamine_care.config.error_views.not_found"
handler500 = "ketamine_care.config.error_views.server_error"
