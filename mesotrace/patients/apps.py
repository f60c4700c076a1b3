from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "mesotrace.patients"
    label = "patients"
