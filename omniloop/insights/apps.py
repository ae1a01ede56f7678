from datetime import timedelta

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "omniloop.insights"
    label = "insights"
    verbose_name = "Member features and segments"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from omniloop.core.periodic import register_periodic_job
        from omniloop.insights import tasks
        from omniloop.insights.features import features_apply_order, features_merge
        from omniloop.insights.offer_scope import LatestVersionSegments
        from omniloop.insights.sqlite_functions import install_sqlite_functions
        from omniloop.members.merge import register_merge_handler
        from omniloop.orders.events import register_order_listener
        from omniloop.promotions.segments import register_segment_provider

        connection_created.connect(install_sqlite_functions, dispatch_uid="insights_sqlite_fns")
        register_merge_handler("member_features", features_merge)
        register_segment_provider(LatestVersionSegments())
        register_periodic_job(
            "features_rebuild", every=timedelta(days=1), task=tasks.features_rebuild_task
        )
        register_periodic_job(
            "segments_refresh_due", every=timedelta(hours=1), task=tasks.segments_refresh_task
        )
        register_order_listener(
            "features",
            paid=features_apply_order,
            refunded=lambda event: features_apply_order(event.order_id),
        )
