"""Pushing an item to a segment (内容推送, ADR 33): one message per member of one segment
version through the messaging outbox, with a tracked link to the item's page.

The outbox decides at send time what reaches whom (consent, caps, quiet hours, the channel
fallback); this module only queues. A push is unique per (item, segment version), so a retry
or a double click queues nothing new, and every message's dedupe key is `content:<item>:<member>`,
so a member gets one item once whichever segments they are pushed through."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse

from omniloop.content.models import ContentItem, ContentPush
from omniloop.content.selectors import live_q
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.insights.models import Segment, SegmentMember
from omniloop.insights.selectors import segment_latest_version
from omniloop.insights.services import segment_refresh
from omniloop.messaging.models import Message, MessageEvent
from omniloop.messaging.outbox import messages_deliver_soon, messages_enqueue_for_members
from omniloop.messaging.values import Channel

TEMPLATE = "content_push"
PUSH_CHANNELS = ("", Channel.WECHAT.value, Channel.SMS.value, Channel.EMAIL.value)


def content_link(item: ContentItem) -> str:
    """The item's page in the WeChat mall (the web mall's when it shows only there), marked as
    reached through a push; the outbox wraps it in its click-tracking redirect."""
    namespace = "h5" if item.in_wechat_mall else "shop"
    path = reverse("h5:content_detail", args=[item.pk], current_app=namespace)
    return f"{settings.OMNILOOP_BASE_URL}{path}?via=push"


def _context(item: ContentItem, link: str) -> dict[str, str]:
    title = item.title or item.title_en
    summary = item.summary or item.summary_en
    return {
        "brand": brand_settings().name,
        "title": title,
        "title_en": item.title_en or title,
        "summary": summary,
        "summary_en": item.summary_en or summary,
        "link_url": link,
    }


@dataclass(frozen=True)
class PushResult:
    push: ContentPush
    created: bool


@transaction.atomic
def content_push(
    *, item_id: int, segment_id: int, channel: str = "", user_id: int | None = None
) -> PushResult:
    """Queue the item for every member of the segment's latest version (materialised now if
    it has none), in one transaction under the item's row lock: two racing pushes of the same
    version end as one push and one set of messages. Only a live item is pushed."""
    if channel not in PUSH_CHANNELS:
        raise ValidationFailed("Unknown channel.", code="channel_unknown")
    item = ContentItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound("Content not found.", code="content_not_found")
    if not ContentItem.objects.filter(live_q(clock.now()), pk=item.pk).exists():
        raise Conflict("Only a live item is pushed.", code="content_not_live")
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        raise NotFound("Segment not found.", code="segment_not_found")
    version = segment_latest_version(segment) or segment_refresh(segment, trigger="content")
    existing = ContentPush.objects.filter(item=item, segment_version=version).first()
    if existing is not None:
        return PushResult(existing, created=False)
    link = content_link(item)
    push = ContentPush.objects.create(
        item=item,
        segment=segment,
        segment_version=version,
        channel=channel,
        link_url=link,
        audience=version.member_count,
        queued=0,
        created_by_id=user_id,
        created_at=clock.now(),
    )
    member_ids = list(
        SegmentMember.objects.filter(version=version)
        .order_by("member_id")
        .values_list("member_id", flat=True)
    )
    push.queued = messages_enqueue_for_members(
        member_ids=member_ids,
        template=TEMPLATE,
        context=_context(item, link),
        channel=channel,
        dedupe_prefix=f"content:{item.pk}",
        cause=push.cause,
    )
    push.save(update_fields=["queued"])
    if push.queued:
        messages_deliver_soon()
    return PushResult(push, created=True)


@dataclass(frozen=True)
class PushCounts:
    queued: int
    waiting: int
    sent: int
    delivered: int
    suppressed: int
    failed: int
    clicked: int


def push_counts(push: ContentPush) -> PushCounts:
    """A push's messages as the outbox has them now: queued (all it wrote), still waiting,
    sent (delivered included), suppressed, failed, and the members who clicked the link."""
    figures = Message.objects.filter(cause=push.cause).aggregate(
        queued=Count("pk"),
        waiting=Count("pk", filter=Q(status__in=["queued", "sending"])),
        sent=Count("pk", filter=Q(status__in=["sent", "delivered"])),
        delivered=Count("pk", filter=Q(status="delivered")),
        suppressed=Count("pk", filter=Q(status="suppressed")),
        failed=Count("pk", filter=Q(status="failed")),
    )
    clicked = (
        MessageEvent.objects.filter(message__cause=push.cause, kind="clicked")
        .values("message")
        .distinct()
        .count()
    )
    return PushCounts(clicked=clicked, **figures)


def content_pushes(*, item_id: int) -> list[tuple[ContentPush, PushCounts]]:
    pushes = ContentPush.objects.filter(item_id=item_id).select_related(
        "segment", "segment_version"
    )
    return [(p, push_counts(p)) for p in pushes]
