from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "omniloop.content"
    label = "content"
    verbose_name = "Content operations"

    def ready(self) -> None:
        from omniloop.content import message_templates  # noqa: F401 (the push template)
        from omniloop.content.privacy import merge_move_views, views_erase, views_export
        from omniloop.members.merge import register_merge_handler
        from omniloop.members.privacy import register_privacy_handler

        register_merge_handler("content_views", merge_move_views)
        register_privacy_handler("content_views", export=views_export, erase=views_erase)
