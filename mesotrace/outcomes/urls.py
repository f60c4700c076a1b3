from django.urls import path

from mesotrace.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_progress, name="progress"),
    path(
        "patients/<int:patient_id>/measurements/new/",
        views.measurement_create,
        name="measurement_create",
    ),
    path("patients/<int:patient_id>/lifestyle/new/", views.lifestyle_create, name="lifestyle"),
    path("plans/<int:plan_id>/", views.plan_outcomes, name="plan"),
    path("plans/<int:plan_id>/allocate/", views.allocate, name="allocate"),
    path("plans/<int:plan_id>/reveal/", views.reveal, name="reveal"),
    path("evidence/", views.evidence_index, name="evidence_index"),
    path("evidence/protocols/<int:protocol_id>/", views.evidence_protocol, name="evidence"),
    path("evidence/protocols/<int:protocol_id>/csv/", views.evidence_csv, name="evidence_csv"),
    path(
        "evidence/indications/<int:indication_id>/",
        views.evidence_indication,
        name="evidence_indication",
    ),
    path(
        "evidence/indications/<int:indication_id>/csv/",
        views.evidence_indication_csv,
        name="evidence_indication_csv",
    ),
]
