from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "omniloop.demo"
    label = "demo"
    verbose_name = "Demo"
