from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "mesotrace.consent"
    label = "consent"
