from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "omniloop.listings"
    label = "listings"
    verbose_name = "Channel listings"
