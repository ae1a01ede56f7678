from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "omniloop.api"
    label = "api"
    verbose_name = "Api"
