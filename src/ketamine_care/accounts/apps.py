from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketamine_care.accounts"
    label = "accounts"
