from datetime import timedelta

from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "omniloop.promotions"
    label = "promotions"
    verbose_name = "Promotions"

    def ready(self) -> None:
        from omniloop.core.periodic import register_periodic_job
        from omniloop.members.merge import register_merge_handler
        from omniloop.members.privacy import register_privacy_handler
        from omniloop.promotions import offer_index  # noqa: F401 (connects its signal receivers)
        from omniloop.promotions.coupon_tasks import coupons_release_expired_task
        from omniloop.promotions.coupons import coupons_merge
        from omniloop.promotions.flash import flash_release_expired_task
        from omniloop.promotions.flash_merge import flash_merge
        from omniloop.promotions.group_buy import group_buy_merge, group_buy_settle_task
        from omniloop.promotions.privacy import coupons_export

        register_merge_handler("coupons", coupons_merge)
        register_merge_handler("flash_sales", flash_merge)
        register_merge_handler("group_buys", group_buy_merge)
        # Unpaid flash-sale holds give their stock back, group buys past their deadline lapse,
        # lapsed checkout holds on coupons are tidied (they already count as free).
        minute = timedelta(minutes=1)
        register_periodic_job(
            "flash_release_expired", every=minute, task=flash_release_expired_task
        )
        register_periodic_job("group_buy_settle", every=minute, task=group_buy_settle_task)
        register_periodic_job(
            "coupons_release_expired", every=5 * minute, task=coupons_release_expired_task
        )
        register_privacy_handler("coupons", export=coupons_export)
