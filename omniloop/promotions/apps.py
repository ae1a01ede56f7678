from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "omniloop.promotions"
    label = "promotions"
    verbose_name = "Promotions"

    def ready(self) -> None:
        from omniloop.members.merge import register_merge_handler
        from omniloop.promotions import offer_index  # noqa: F401 (connects its signal receivers)
        from omniloop.promotions.coupons import coupons_merge

        register_merge_handler("coupons", coupons_merge)
