from django.urls import path

from mesotrace.portal import staff_views, views

app_name = "portal"
urlpatterns = [
    # The patient's pages, reached with the link the clinic sent.
    path("open/<str:token>/", views.open_link, name="open"),
    path("", views.home, name="home"),
    path("plans/<int:plan_id>/consent/", views.plan_consent, name="consent"),
    path("plans/<int:plan_id>/consent/sign/", views.sign, name="sign"),
    path("plans/<int:plan_id>/consent/pdf/", views.reading_pdf, name="reading_pdf"),
    path("documents/<int:document_id>/pdf/", views.signed_pdf, name="signed_pdf"),
    path("signatures/<int:signature_id>/pdf/", views.signature_pdf, name="signature_pdf"),
    path("side-effect/", views.side_effect, name="side_effect"),
    path("lifestyle/", views.lifestyle, name="lifestyle"),
    path("leave/", views.leave, name="leave"),
    # Staff pages: send and revoke links.
    path("staff/patients/<int:patient_id>/links/", staff_views.patient_links, name="patient_links"),
    path("staff/links/<int:portal_link_id>/revoke/", staff_views.revoke, name="revoke"),
]
