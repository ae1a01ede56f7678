from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "omniloop.core"
    label = "core"
    verbose_name = "Core"
