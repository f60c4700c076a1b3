from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "mesotrace.treatments"
    label = "treatments"
