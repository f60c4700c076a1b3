from django.apps import AppConfig


class SwitchingConfig(AppConfig):
    name = "mesotrace.switching"
    label = "switching"
