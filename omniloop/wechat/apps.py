from datetime import timedelta

from django.apps import AppConfig


class WechatConfig(AppConfig):
    name = "omniloop.wechat"
    label = "wechat"
    verbose_name = "WeChat service account"

    def ready(self) -> None:
        from omniloop.core.periodic import register_periodic_job
        from omniloop.members.merge import register_merge_handler
        from omniloop.members.privacy import register_privacy_handler
        from omniloop.touchpoints.links import register_visitor_link_handler
        from omniloop.wechat import checks  # noqa: F401 (registers the deploy check)
        from omniloop.wechat.cards import merge_move_cards
        from omniloop.wechat.followers import follower_on_visitor_link, merge_move_followers
        from omniloop.wechat.privacy import wechat_erase, wechat_export
        from omniloop.wechat.retention import wechat_inbound_retention_task
        from omniloop.wechat.tasks import wechat_inbound_sweep_task

        register_merge_handler("wechat_followers", merge_move_followers)
        register_merge_handler("wechat_cards", merge_move_cards)
        register_privacy_handler("wechat", export=wechat_export, erase=wechat_erase)
        register_visitor_link_handler("wechat_followers", follower_on_visitor_link)
        register_periodic_job(
            "wechat_inbound_sweep", every=timedelta(minutes=5), task=wechat_inbound_sweep_task
        )
        register_periodic_job(
            "wechat_inbound_retention",
            every=timedelta(days=1),
            task=wechat_inbound_retention_task,
        )
