from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "mesotrace.portal"
    label = "portal"
