from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "omniloop.api"
    label = "api"
    verbose_name = "Api"

    def ready(self) -> None:
        from omniloop.api.surfaces import till_shown
        from omniloop.listings.surfaces import register_surface
        from omniloop.stores.models import SalesChannel

        register_surface(SalesChannel.Kind.STORE_TILL, till_shown)
