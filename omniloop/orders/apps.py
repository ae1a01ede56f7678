from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "omniloop.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from omniloop.members.merge import register_merge_handler
        from omniloop.members.privacy import register_privacy_handler
        from omniloop.orders.privacy import orders_export
        from omniloop.orders.services import merge_orders

        register_merge_handler("orders", merge_orders)
        register_privacy_handler("orders", export=orders_export)
