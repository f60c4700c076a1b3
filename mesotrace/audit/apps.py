from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mesotrace.audit"
    label = "audit"
