from django.apps import AppConfig


class ClvConfig(AppConfig):
    name = "omniloop.clv"
    label = "clv"
    verbose_name = "Customer lifetime value"
