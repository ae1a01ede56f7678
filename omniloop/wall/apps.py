from django.apps import AppConfig


class WallConfig(AppConfig):
    name = "omniloop.wall"
    label = "wall"
    verbose_name = "The marketing wall"

    def ready(self) -> None:
        from omniloop.members.events import register_member_listener
        from omniloop.orders.events import register_order_listener
        from omniloop.touchpoints.events import register_scan_listener
        from omniloop.wall import listeners

        register_order_listener(
            "wall", paid=listeners.wall_order_paid, refunded=listeners.wall_order_refunded
        )
        register_scan_listener("wall", listeners.wall_scan_recorded)
        register_member_listener("wall", listeners.wall_member_changed)
