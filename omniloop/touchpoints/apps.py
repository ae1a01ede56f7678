from datetime import timedelta

from django.apps import AppConfig


class TouchpointsConfig(AppConfig):
    name = "omniloop.touchpoints"
    label = "touchpoints"
    verbose_name = "Touchpoints"

    def ready(self) -> None:
        from omniloop.core.periodic import register_periodic_job
        from omniloop.members.merge import register_merge_handler
        from omniloop.members.privacy import register_privacy_handler
        from omniloop.touchpoints.privacy import scans_erase, scans_export, scans_retention_task
        from omniloop.touchpoints.services import merge_move_scans

        register_merge_handler("scans", merge_move_scans)
        register_privacy_handler("scans", export=scans_export, erase=scans_erase)
        register_periodic_job("scans_retention", every=timedelta(days=1), task=scans_retention_task)
