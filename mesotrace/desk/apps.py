from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "mesotrace.desk"
    label = "desk"
