from django.apps import AppConfig


class GrowthConfig(AppConfig):
    name = "omniloop.growth"
    label = "growth"
    verbose_name = "Growth tools: referral, lottery, employee codes"
