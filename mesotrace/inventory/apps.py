from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "mesotrace.inventory"
    label = "inventory"
