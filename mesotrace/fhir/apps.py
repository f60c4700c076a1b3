from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "mesotrace.fhir"
    label = "fhir"
