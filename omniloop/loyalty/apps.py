from datetime import timedelta

from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "omniloop.loyalty"
    label = "loyalty"
    verbose_name = "Loyalty"

    def ready(self) -> None:
        from omniloop.core.periodic import register_periodic_job
        from omniloop.loyalty.merge import points_merge
        from omniloop.loyalty.tasks import points_expire_task, tiers_review_task
        from omniloop.loyalty.tiers import tiers_merge
        from omniloop.members.merge import register_merge_handler

        register_merge_handler("points", points_merge)
        register_merge_handler("tier_changes", tiers_merge)
        register_periodic_job("points_expire", every=timedelta(hours=1), task=points_expire_task)
        register_periodic_job("tiers_review", every=timedelta(days=1), task=tiers_review_task)
