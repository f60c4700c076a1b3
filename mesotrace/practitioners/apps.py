from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    name = "mesotrace.practitioners"
    label = "practitioners"
