from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "mesotrace.backups"
    label = "backups"
    verbose_name = "Backups"
