from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "omniloop.promotions"
    label = "promotions"
    verbose_name = "Promotions"
