"""The demo app only carries the `demo_data` command and its generator."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "mesotrace.demo"
    label = "demo"
    verbose_name = "Demo data"
