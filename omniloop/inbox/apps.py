from datetime import timedelta

from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "omniloop.inbox"
    label = "inbox"
    verbose_name = "Customer-service inbox"

    def ready(self) -> None:
        from omniloop.core.periodic import register_periodic_job
        from omniloop.inbox.intake import ticket_from_wechat
        from omniloop.inbox.privacy import tickets_erase, tickets_export
        from omniloop.inbox.services import merge_move_tickets
        from omniloop.inbox.tasks import inbox_escalate_task
        from omniloop.members.merge import register_merge_handler
        from omniloop.members.privacy import register_privacy_handler
        from omniloop.wechat.listeners import register_message_listener

        register_message_listener("inbox", ticket_from_wechat)
        register_merge_handler("inbox_tickets", merge_move_tickets)
        register_privacy_handler("inbox_tickets", export=tickets_export, erase=tickets_erase)
        register_periodic_job(
            "inbox_escalate", every=timedelta(minutes=1), task=inbox_escalate_task
        )
