"""Retention of messages (消息保留期限, issue 10): a message older than
`OMNILOOP_RETENTION_MESSAGE_DAYS` that is done (not queued or sending) loses its variables
(names, coupon codes, links: whatever the template was filled with) and its events' details;
the row stays, so counts, campaign funnels and the member's log of what was sent when remain
true. The daily job `messages_retention`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django_tasks import task

from omniloop.core import clock
from omniloop.messaging.models import Message, MessageEvent
from omniloop.messaging.values import Status


@transaction.atomic
def messages_retention_purge(*, at: datetime | None = None) -> dict[str, int]:
    cutoff = (at or clock.now()) - timedelta(days=settings.OMNILOOP_RETENTION_MESSAGE_DAYS)
    old = Message.objects.filter(created_at__lt=cutoff).exclude(
        status__in=[Status.QUEUED, Status.SENDING]
    )
    messages = old.exclude(context={}).update(context={})
    events = (
        MessageEvent.objects.filter(message__in=old.values("pk"), at__lt=cutoff)
        .exclude(detail="")
        .update(detail="")
    )
    return {"messages": messages, "events": events}


@task(queue_name="default")
def messages_retention_task() -> dict[str, int]:
    return messages_retention_purge()
