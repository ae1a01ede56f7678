from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "omniloop.catalog"
    label = "catalog"
    verbose_name = "Catalog"
