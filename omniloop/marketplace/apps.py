from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "omniloop.marketplace"
    label = "marketplace"
    verbose_name = "Marketplace orders"
