from django.urls import path, re_path

from mesotrace.fhir import views

app_name = "fhir"

urlpatterns = [
    path("", views.import_bundle, name="base"),
    path("metadata", views.metadata, name="metadata"),
    path("$import", views.import_ndjson, name="import_ndjson"),
    path("$export", views.export_system, name="export_system"),
    path("Patient/$export", views.export_patients, name="export_patients"),
    path("Group/<str:pk>/$export", views.export_group, name="export_group"),
    path("$export-poll-status/<int:job_id>", views.export_status, name="export_status"),
    path("$export-file/<int:job_id>/<str:name>", views.export_file, name="export_file"),
    path("Patient/<str:pk>/$everything", views.everything, name="everything"),
    path("<str:resource_type>/<str:pk>", views.read, name="read"),
    path("<str:resource_type>", views.search, name="search"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]

# The owner's page of bulk exports, mounted at /exports/ (namespace "exports").
page_patterns = [
    path("", views.exports_page, name="list"),
    path("<int:job_id>/files/<int:part>", views.export_download, name="download"),
    path("<int:job_id>/cancel", views.export_cancel, name="cancel"),
]
