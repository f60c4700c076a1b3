from django.urls import path

from mesotrace.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_progress, name="progress"),
    path("evidence/", views.evidence_index, name="evidence_index"),
    path("evidence/protocols/<int:protocol_id>/", views.evidence_protocol, name="evidence"),
    path("evidence/protocols/<int:protocol_id>/csv/", views.evidence_csv, name="evidence_csv"),
]
