"""Where voices come in: WeChat messages (the wechat app's listener), the member's feedback
form, store staff's notes, social mentions (webhook, CSV). Each files a `Voice` through
`services.ticket_open`."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from omniloop.accounts.access import Actor, require_staff_user
from omniloop.attribution.selectors import access_member, member_store_id
from omniloop.core import clock, ratelimit
from omniloop.core.errors import NotFound, ValidationFailed
from omniloop.inbox.access import INBOX_ROLES
from omniloop.inbox.models import OPEN_STATUSES, Channel, Ticket
from omniloop.inbox.photos import PhotoUpload, photos_check, photos_store
from omniloop.inbox.services import Voice, ticket_follow_up, ticket_open
from omniloop.members.models import Member
from omniloop.orders.models import Order
from omniloop.wechat.listeners import FollowerMessage

# A follower's messages within this time of their open ticket's last message join it.
THREAD_WINDOW = timedelta(hours=48)
FEEDBACK_RATE = [(5, 3600), (20, 86400)]


def _member_store(member_id: int | None) -> int | None:
    if member_id is None:
        return None
    member = Member.objects.filter(pk=member_id).first()
    return member_store_id(member=member) if member is not None else None


def ticket_from_wechat(message: FollowerMessage) -> None:
    """The wechat app's message listener: runs inside the transaction that marks the inbound
    row processed, so each message is filed once. A message from a follower with an open
    ticket (written to in the last 48 hours) joins it; otherwise it opens one."""
    body = message.content if message.msg_type == "text" else "[图片 image] " + message.pic_url
    if not body.strip():
        return
    open_ticket = (
        Ticket.objects.select_for_update()
        .filter(
            channel=Channel.WECHAT,
            wechat_openid=message.openid,
            status__in=OPEN_STATUSES,
            last_inbound_at__gte=message.sent_at - THREAD_WINDOW,
        )
        .order_by("-last_inbound_at")
        .first()
    )
    if open_ticket is not None:
        ticket_follow_up(ticket=open_ticket, body=body, at=message.sent_at)
        return
    ticket_open(
        voice=Voice(
            channel=Channel.WECHAT,
            body=body,
            source_ref=f"wx:{message.inbound_id}",
            member_id=message.member_id,
            store_id=_member_store(message.member_id),
            wechat_openid=message.openid,
            at=message.sent_at,
        )
    )


def feedback_submit(
    *,
    member: Member,
    body: str,
    category: str = "",
    order_number: str = "",
    photos: list[PhotoUpload] | None = None,
) -> Ticket:
    """The member's feedback form (意见反馈) in the H5 pages: photos are checked before
    anything is written; an order must be the member's own."""
    checked = photos_check(photos or [])
    # Counted once the form is well formed: a member who writes five times in an hour is
    # already in the queue; more would only bury the others.
    ratelimit.hit(
        f"inbox.feedback:{member.pk}",
        FEEDBACK_RATE,
        code="feedback_rate_limited",
        message="You have written several times; customer service will answer you.",
    )
    order = None
    if order_number:
        order = Order.objects.filter(number=order_number[:32], member=member).first()
        if order is None:
            raise ValidationFailed("That is not one of your orders.", code="feedback_order")
    with transaction.atomic():
        ticket = ticket_open(
            voice=Voice(
                channel=Channel.H5_FORM,
                body=body,
                member_id=member.pk,
                order_id=order.pk if order else None,
                store_id=(order.store_id if order else None) or _member_store(member.pk),
                category=category,
            )
        )
        photos_store(ticket, checked)
    return ticket


def store_note_create(
    *,
    actor: Actor,
    body: str,
    member_id: int | None = None,
    product_id: int | None = None,
    category: str = "",
) -> Ticket:
    """A note by store staff (门店记录): what a customer said at the counter. It belongs to
    the writer's store; a member must be one the writer may see."""
    user_id = require_staff_user(actor)
    if actor.role not in INBOX_ROLES:
        raise ValidationFailed("Your role has no inbox.", code="role_forbidden")
    if member_id is not None:
        access_member(actor=actor, member_id=member_id)
    store_id = actor.store_id if actor.store_id is not None else _member_store(member_id)
    return ticket_open(
        voice=Voice(
            channel=Channel.STORE_NOTE,
            body=body,
            member_id=member_id,
            store_id=store_id,
            product_id=product_id,
            category=category,
        ),
        author_id=user_id,
    )


def social_mention_import(
    *, platform: str, external_id: str, author: str, text: str, url: str = ""
) -> Ticket:
    """A social mention (微博/小红书/抖音...) from the verified webhook or a CSV: one ticket per
    (platform, id), so replays and re-imports file nothing new."""
    platform, external_id = platform.strip().lower()[:24], external_id.strip()[:120]
    if not platform or not external_id:
        raise ValidationFailed("A mention needs its platform and id.", code="mention_invalid")
    body = text.strip() + (f"\n{url.strip()}" if url.strip() else "")
    return ticket_open(
        voice=Voice(
            channel=Channel.SOCIAL,
            body=body,
            source_ref=f"{platform}:{external_id}",
            author_name=f"{platform} @{author.strip()}"[:100],
            at=clock.now(),
        )
    )


def ticket_for_member(*, member: Member, ticket_id: int) -> Ticket:
    ticket = Ticket.objects.filter(pk=ticket_id, member=member).first()
    if ticket is None:
        raise NotFound("Ticket not found.", code="ticket_not_found")
    return ticket
