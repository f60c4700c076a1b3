from django.apps import AppConfig


class TodayConfig(AppConfig):
    name = "mesotrace.today"
    label = "today"
