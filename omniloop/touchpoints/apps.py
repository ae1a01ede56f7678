from django.apps import AppConfig


class TouchpointsConfig(AppConfig):
    name = "omniloop.touchpoints"
    label = "touchpoints"
    verbose_name = "Touchpoints"

    def ready(self) -> None:
        from omniloop.members.merge import register_merge_handler
        from omniloop.touchpoints.services import merge_move_scans

        register_merge_handler("scans", merge_move_scans)
