"""Retention of WeChat callbacks (issue 10): a processed `WechatInbound` older than
`OMNILOOP_RETENTION_WECHAT_DAYS` loses its payload (the message text, event details); its
dedup key, type, openid and outcome stay, so a late retry is still recognised and the counts
remain. The daily job `wechat_inbound_retention`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django_tasks import task

from omniloop.core import clock
from omniloop.wechat.models import WechatInbound


def wechat_inbound_retention_purge(*, at: datetime | None = None) -> int:
    cutoff = (at or clock.now()) - timedelta(days=settings.OMNILOOP_RETENTION_WECHAT_DAYS)
    return (
        WechatInbound.objects.filter(received_at__lt=cutoff, processed_at__isnull=False)
        .exclude(payload={})
        .update(payload={})
    )


@task(queue_name="default")
def wechat_inbound_retention_task() -> int:
    return wechat_inbound_retention_purge()
