from django.urls import include, path, re_path

from mesotrace.accounts.urls import audit_patterns
from mesotrace.api import api
from mesotrace.core import views as core_views
from mesotrace.fhir.urls import page_patterns as fhir_export_pages

urlpatterns = [
    path("", include("mesotrace.desk.urls")),
    path("", include("mesotrace.core.urls")),
    path("accounts/", include("mesotrace.accounts.urls")),
    path("patients/", include("mesotrace.patients.urls")),
    path("practitioners/", include("mesotrace.practitioners.urls")),
    path("audit/", include(audit_patterns)),
    path("treatments/", include("mesotrace.treatments.urls")),
    path("catalogue/", include("mesotrace.catalogue.urls")),
    path("inventory/", include("mesotrace.inventory.urls")),
    path("charting/", include("mesotrace.charting.urls")),
    path("consent/", include("mesotrace.consent.urls")),
    path("outcomes/", include("mesotrace.outcomes.urls")),
    path("safety/", include("mesotrace.safety.urls")),
    path("portal/", include("mesotrace.portal.urls")),
    path("messages/", include("mesotrace.messaging.urls")),
    path("switching/", include("mesotrace.switching.urls")),
    path("api/v1/", api.urls),
    path("fhir/r4/", include("mesotrace.fhir.urls")),
    path("exports/", include((fhir_export_pages, "exports"))),
    # Last: whatever else is asked under /api/ gets a JSON 404, DEBUG or not.
    re_path(r"^api/", core_views.api_not_found, name="api_not_found"),
]

handler400 = core_views.bad_request
handler403 = core_views.forbidden
handler404 = core_views.not_found
handler500 = core_views.server_error
