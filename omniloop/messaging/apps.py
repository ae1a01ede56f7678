from datetime import timedelta

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "omniloop.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from omniloop.core.periodic import register_periodic_job
        from omniloop.members.merge import register_merge_handler
        from omniloop.members.privacy import register_privacy_handler
        from omniloop.messaging import (
            channels,  # noqa: F401 (registers the channels)
            templates_builtin,  # noqa: F401 (the built-in templates)
        )
        from omniloop.messaging.privacy import merge_move_messages, messages_erase, messages_export
        from omniloop.messaging.retention import messages_retention_task
        from omniloop.messaging.services import wechat_receipt_record
        from omniloop.messaging.tasks import messaging_deliver_task
        from omniloop.wechat.listeners import register_receipt_listener

        register_receipt_listener("messaging", wechat_receipt_record)
        register_merge_handler("messages", merge_move_messages)
        register_privacy_handler("messages", export=messages_export, erase=messages_erase)
        register_periodic_job(
            "messaging_deliver", every=timedelta(minutes=1), task=messaging_deliver_task
        )
        register_periodic_job(
            "messages_retention", every=timedelta(days=1), task=messages_retention_task
        )
