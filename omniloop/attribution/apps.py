from django.apps import AppConfig


class AttributionConfig(AppConfig):
    name = "omniloop.attribution"
    label = "attribution"
    verbose_name = "Attribution"

    def ready(self) -> None:
        from omniloop.attribution.privacy import bindings_export
        from omniloop.attribution.services import merge_bindings
        from omniloop.members.merge import register_merge_handler
        from omniloop.members.privacy import register_privacy_handler

        register_merge_handler("bindings", merge_bindings)
        register_privacy_handler("bindings", export=bindings_export)
