from django.urls import path, re_path

from mesotrace.fhir import views

app_name = "fhir"

urlpatterns = [
    path("", views.import_bundle, name="base"),
    path("metadata", views.metadata, name="metadata"),
    path("$import", views.import_ndjson, name="import_ndjson"),
    path("Patient/<str:pk>/$everything", views.everything, name="everything"),
    path("<str:resource_type>/<str:pk>", views.read, name="read"),
    path("<str:resource_type>", views.search, name="search"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
