from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "omniloop.loyalty"
    label = "loyalty"
    verbose_name = "Loyalty"

    def ready(self) -> None:
        from omniloop.loyalty.services import merge_points
        from omniloop.members.merge import register_merge_handler

        register_merge_handler("points", merge_points)
