from django.apps import AppConfig


class H5Config(AppConfig):
    name = "omniloop.h5"
    label = "h5"
    verbose_name = "H5"

    def ready(self) -> None:
        from omniloop.h5.prices import h5_shown
        from omniloop.listings.surfaces import register_surface
        from omniloop.stores.models import SalesChannel

        register_surface(SalesChannel.Kind.WECHAT_MALL, h5_shown)
