from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mesotrace.core"
    label = "core"
