from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "mesotrace.catalogue"
    label = "catalogue"
