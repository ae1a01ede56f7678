from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "omniloop.accounts"
    label = "accounts"
    verbose_name = "Accounts"
