"""The callback's background half: what a recorded message means for followers, scans and
bindings. Runs once per `WechatInbound` row however often its task runs (the row is locked
and marked processed in the same transaction)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from omniloop.attribution.services import binding_touch
from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.touchpoints.models import Visitor
from omniloop.touchpoints.services import scan_record, scene_resolve
from omniloop.wechat.adapter import WechatApi, wechat_config
from omniloop.wechat.cards import card_event
from omniloop.wechat.errors import WechatApiError
from omniloop.wechat.followers import (
    follower_get_or_create,
    follower_member,
    follower_set_unionid,
    follower_touch,
)
from omniloop.wechat.listeners import (
    MESSAGE_TYPES,
    FollowerMessage,
    SubscriptionSent,
    TemplateJobFinished,
    follower_message,
    subscription_sent,
    template_job_finished,
)
from omniloop.wechat.models import WechatFollower, WechatInbound, WechatQrCode
from omniloop.wechat.subscriptions import subscription_event
from omniloop.wechat.values import SubscriptionItem

log = logging.getLogger(__name__)
SWEEP_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500
# Dedup needs a message's row only while WeChat may retry it and its timestamp is inside the
# tolerance (minutes); processed rows are kept this long as a record, then pruned.
KEEP_PROCESSED = timedelta(days=30)

# Events that are not the user acting (they do not open the 48-hour window).
# The subscription-notice events are not counted as acting either: a popup may be answered on
# a page outside the chat, and they prove no follow.
SUBSCRIPTION_EVENTS = frozenset(
    {"subscribe_msg_popup_event", "subscribe_msg_change_event", "subscribe_msg_sent_event"}
)
NOT_INTERACTIONS = frozenset(
    {"unsubscribe", "templatesendjobfinish", "masssendjobfinish", *SUBSCRIPTION_EVENTS}
)


def _unionid_lookup(inbound_id: int) -> str:
    """A new follower's (or a re-subscriber's) unionid from WeChat, asked before the
    transaction so no lock is held across the network; failures leave it for next time."""
    row = WechatInbound.objects.filter(pk=inbound_id, processed_at__isnull=True).first()
    if row is None or row.event == "unsubscribe" or not wechat_config().app_secret:
        return ""
    follower = WechatFollower.objects.filter(openid=row.openid).first()
    if follower is not None and (follower.unionid or row.event != "subscribe"):
        return ""  # known, or not worth an API call on every message
    try:
        return WechatApi().user_unionid(openid=row.openid)
    except WechatApiError as exc:
        log.info("wechat user/info for inbound %s: %s", inbound_id, exc.code)
        return ""


def inbound_process(*, inbound_id: int) -> str:
    """Apply one received message; returns what it did (`WechatInbound.outcome`)."""
    unionid = _unionid_lookup(inbound_id)
    with transaction.atomic():
        row = WechatInbound.objects.select_for_update().filter(pk=inbound_id).first()
        if row is None:
            return "missing"
        if row.processed_at is not None:
            return "already_processed"
        at = row.sent_at
        follower, _ = follower_get_or_create(openid=row.openid, at=at)
        follower_set_unionid(follower=follower, unionid=unionid)
        if row.event not in NOT_INTERACTIONS:
            follower_touch(follower=follower, at=at)
        outcome = _apply(row, follower, at)
        row.processed_at = clock.now()
        row.outcome = outcome[:48]
        row.save(update_fields=["processed_at", "outcome"])
    return outcome


def inbound_sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Process the callbacks still unprocessed 5 minutes after they arrived (a worker died, a
    task failed), oldest first; each is processed once whoever gets to it. Processed rows
    older than 30 days are pruned. Returns how many were processed."""
    cutoff = clock.now() - SWEEP_AFTER
    ids = list(
        WechatInbound.objects.filter(processed_at__isnull=True, received_at__lt=cutoff)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    WechatInbound.objects.filter(
        processed_at__isnull=False, received_at__lt=clock.now() - KEEP_PROCESSED
    ).delete()
    done = 0
    for inbound_id in ids:
        try:
            if inbound_process(inbound_id=inbound_id) not in ("missing", "already_processed"):
                done += 1
        except Exception:
            log.exception("wechat inbound %s failed again", inbound_id)
    return done


def _apply(row: WechatInbound, follower: WechatFollower, at: datetime) -> str:
    scene = str(row.payload.get("scene") or "")
    ticket = str(row.payload.get("ticket") or "")
    if row.event == "subscribe":
        _subscribe(follower, at)
        return _scan(follower, scene, ticket, at) if scene else "subscribed"
    if row.event == "unsubscribe":
        WechatFollower.objects.filter(pk=follower.pk).update(subscribed=False, unsubscribed_at=at)
        return "unsubscribed"
    if row.event not in NOT_INTERACTIONS and not follower.subscribed:
        # Only followers can write, tap the menu or SCAN: we missed their subscribe.
        _subscribe(follower, at)
    if row.event == "scan":
        return _scan(follower, scene, ticket, at)
    if row.event in ("user_get_card", "user_del_card"):
        return card_event(
            event=row.event,
            openid=row.openid,
            card_id=str(row.payload.get("card_id") or ""),
            code=str(row.payload.get("card_code") or ""),
            outer_str=str(row.payload.get("outer_str") or ""),
            at=at,
        )
    if row.event in SUBSCRIPTION_EVENTS:
        return _subscription(row, follower, at)
    if row.event == "templatesendjobfinish" and row.payload.get("job_msgid"):
        status = str(row.payload.get("status") or "")
        template_job_finished(
            TemplateJobFinished(
                msgid=int(row.payload["job_msgid"]), status=status, openid=row.openid, at=at
            )
        )
        return f"receipt:{status}"
    if not row.event and row.msg_type in MESSAGE_TYPES:
        follower_message(
            FollowerMessage(
                inbound_id=row.pk,
                openid=row.openid,
                member_id=follower.member_id,
                msg_type=row.msg_type,
                content=str(row.payload.get("content") or ""),
                pic_url=str(row.payload.get("pic_url") or ""),
                media_id=str(row.payload.get("media_id") or ""),
                sent_at=at,
            )
        )
    return f"noted:{row.event or row.msg_type}"


def _subscription(row: WechatInbound, follower: WechatFollower, at: datetime) -> str:
    items = [SubscriptionItem(**i) for i in row.payload.get("subscriptions") or []]
    if row.event != "subscribe_msg_sent_event":
        return subscription_event(follower=follower, event=row.event, items=items, at=at)
    for item in items:
        subscription_sent(
            SubscriptionSent(
                template_id=item.template_id,
                msgid=item.msgid,
                status=item.status,
                error_code=item.error_code,
                openid=row.openid,
                at=at,
            )
        )
    return f"sub_receipt:{len(items)}"


def _subscribe(follower: WechatFollower, at: datetime) -> None:
    follower.subscribed = True
    WechatFollower.objects.filter(pk=follower.pk).update(
        subscribed=True, subscribed_at=at, unsubscribed_at=None
    )


def _scan(follower: WechatFollower, scene: str, ticket: str, at: datetime) -> str:
    """A parametric code was scanned: record the scan on the follower's visitor, count it on
    the code, and, for a known member in a store, apply the binding rules."""
    try:
        ctx = scene_resolve(scene=scene)
    except ApplicationError as exc:
        log.info("wechat scan of scene %r: %s", scene, exc.code)
        return exc.code
    visitor = Visitor.objects.get(pk=follower.visitor_id)
    scan_record(ctx=ctx, visitor=visitor, user_agent="wechat", at=at)
    if ticket:  # the code's own ticket: usage per code, however many a touchpoint has had
        WechatQrCode.objects.filter(ticket=ticket, touchpoint_id=ctx.touchpoint_id).update(
            scans=F("scans") + 1, last_scanned_at=at
        )
    member = follower_member(follower=follower)
    if member is None or ctx.store_id is None:
        return "scan_recorded"
    outcome = binding_touch(
        member=member,
        store_id=ctx.store_id,
        assistant_id=ctx.assistant_id,
        source="wechat_scan",
        touchpoint_id=ctx.touchpoint_id,
        at=at,
    )
    return f"scan_bound:{outcome.decision}"
