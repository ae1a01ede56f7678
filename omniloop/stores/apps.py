from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "omniloop.stores"
    label = "stores"
    verbose_name = "Stores"
