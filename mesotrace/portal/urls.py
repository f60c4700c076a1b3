from django.urls import path

from mesotrace.portal.views import patient as patient_views
from mesotrace.portal.views import staff as staff_views

app_name = "portal"
urlpatterns = [
    # The patient's pages, reached with the link the clinic sent.
    path("open/<str:token>/", patient_views.open_link, name="open"),
    path("", patient_views.home, name="home"),
    path("plans/<int:plan_id>/consent/", patient_views.plan_consent, name="consent"),
    path("plans/<int:plan_id>/consent/sign/", patient_views.sign, name="sign"),
    path("plans/<int:plan_id>/consent/pdf/", patient_views.reading_pdf, name="reading_pdf"),
    path("documents/<int:document_id>/pdf/", patient_views.signed_pdf, name="signed_pdf"),
    path("signatures/<int:signature_id>/pdf/", patient_views.signature_pdf, name="signature_pdf"),
    path("side-effect/", patient_views.side_effect, name="side_effect"),
    path("lifestyle/", patient_views.lifestyle, name="lifestyle"),
    path("leave/", patient_views.leave, name="leave"),
    # Staff pages: send and revoke links.
    path("staff/patients/<int:patient_id>/links/", staff_views.patient_links, name="patient_links"),
    path("staff/links/<int:portal_link_id>/revoke/", staff_views.revoke, name="revoke"),
    path("staff/patients/<int:patient_id>/email/", staff_views.email_link, name="email_link"),
    path(
        "staff/patients/<int:patient_id>/consent-request/",
        staff_views.email_consent_request,
        name="email_consent_request",
    ),
]
