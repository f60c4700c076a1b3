from django.apps import AppConfig


class ChartingConfig(AppConfig):
    name = "mesotrace.charting"
    label = "charting"
