from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "mesotrace.messaging"
    label = "messaging"
