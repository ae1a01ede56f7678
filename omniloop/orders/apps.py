from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "omniloop.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from omniloop.members.merge import register_merge_handler
        from omniloop.orders.services import merge_orders

        register_merge_handler("orders", merge_orders)
