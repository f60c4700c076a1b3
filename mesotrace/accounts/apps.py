from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mesotrace.accounts"
    label = "accounts"

    def ready(self) -> None:
        from mesotrace.accounts import signals  # noqa: F401  (connects the login audit)
