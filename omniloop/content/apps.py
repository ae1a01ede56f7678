from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "omniloop.content"
    label = "content"
    verbose_name = "Content operations"
