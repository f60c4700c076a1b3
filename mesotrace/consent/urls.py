from django.urls import path

from mesotrace.consent.views import document as document_views
from mesotrace.consent.views import photo_consent

app_name = "consent"
urlpatterns = [
    path("patients/<int:patient_id>/photos/", photo_consent.photo_consent, name="photo_consent"),
    path(
        "photo-consents/<int:photo_consent_id>/withdraw/",
        photo_consent.withdraw,
        name="withdraw_photo",
    ),
    path("plans/<int:plan_id>/", document_views.plan_consents, name="plan_consents"),
    path("plans/<int:plan_id>/override/", document_views.override, name="override"),
    path("documents/<int:document_id>/", document_views.document_page, name="document"),
    path("documents/<int:document_id>/pdf/", document_views.document_pdf, name="document_pdf"),
    path("documents/<int:document_id>/sign/", document_views.sign, name="sign"),
    path(
        "documents/<int:document_id>/countersign/", document_views.countersign, name="countersign"
    ),
    path("documents/<int:document_id>/withdraw/", document_views.withdraw_signed, name="withdraw"),
]
