from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "mesotrace.safety"
    label = "safety"
