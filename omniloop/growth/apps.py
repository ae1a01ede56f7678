from datetime import timedelta

from django.apps import AppConfig


class GrowthConfig(AppConfig):
    name = "omniloop.growth"
    label = "growth"
    verbose_name = "Growth tools: referral, lottery, employee codes"

    def ready(self) -> None:
        from omniloop.core.periodic import register_periodic_job
        from omniloop.growth import (
            employees,
            lottery,
            merge,
            referral,
            tasks,
            templates_builtin,  # noqa: F401 (registers templates)
        )
        from omniloop.members.merge import register_merge_handler
        from omniloop.members.privacy import register_privacy_handler
        from omniloop.onboarding.events import register_join_listener
        from omniloop.orders.events import register_order_listener
        from omniloop.touchpoints.events import register_scan_listener

        register_join_listener("growth_referral", referral.referral_on_join)
        register_join_listener("growth_employee", employees.employee_on_join)
        register_order_listener(
            "growth_referral",
            paid=referral.referral_on_order_paid,
            refunded=referral.referral_on_order_refunded,
        )
        register_scan_listener("growth_lottery", lottery.lottery_on_scan)
        register_merge_handler("growth", merge.growth_merge)
        register_privacy_handler("growth", export=merge.growth_export, erase=merge.growth_erase)
        register_periodic_job(
            "growth_referral_rewards", every=timedelta(hours=1), task=tasks.referral_rewards_task
        )
