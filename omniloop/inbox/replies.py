"""How a reply reaches the customer: back through the channel the voice came from, through
the messaging outbox (ADR 25, ADR 31).

A reply to a member is a transactional `cs_reply` message written in the reply's transaction
(`message_enqueue`, dedupe key `inbox:<ticket message id>`): a customer-service message (客服消息)
while WeChat's 48-hour window is open, else an SMS notice; voices from the H5 form, store notes
and surveys by SMS. The messaging worker delivers it with its idempotency, retries and delivery
record, and tells this module how it went (`reply_outcome`, an outcome listener registered for
the cause prefix `inbox`), which sets the ticket message's delivery in the same transaction.

A follower who has not joined has no member: their reply is a member-less outbox message
carrying their openid (`message_to_follower_enqueue`, ADR 40), by customer service only while
the window is open, with the same dedupe key, worker and outcome. `inbox_reply_task` remains
only to drain tasks queued before that. Social mentions and reviews are answered on their
platform by hand (no route)."""

from __future__ import annotations

import logging

from omniloop.core import clock
from omniloop.inbox.models import Channel, Ticket, TicketMessage
from omniloop.messaging.events import MessageOutcome
from omniloop.messaging.outbox import (
    message_enqueue,
    message_to_follower_enqueue,
    messages_deliver_soon,
)
from omniloop.wechat.errors import WechatApiError
from omniloop.wechat.messages import wechat_customer_service_send

log = logging.getLogger(__name__)
SMS_CHANNELS = frozenset({Channel.WECHAT, Channel.H5_FORM, Channel.STORE_NOTE, Channel.SURVEY})
SMS_MAX = 300
CAUSE_PREFIX = "inbox"
# Why the customer-service message was passed over, as the ticket shows it.
SKIPPED_CODES = {
    "wechat_cs:window_closed": "wechat_window_closed",
    "wechat_cs:unreachable": "wechat_not_following",
}


def reply_route(ticket: Ticket) -> str:
    """The route a reply will try first: "wechat", "sms", or "" (answered on the platform)."""
    if ticket.channel == Channel.WECHAT and ticket.wechat_openid:
        return "wechat"
    if ticket.channel in SMS_CHANNELS and ticket.member_id is not None:
        return "sms"
    return ""


def reply_enqueue(message_id: int) -> None:
    """Queue the delivery of one reply, in the caller's (the reply's) transaction."""
    message = TicketMessage.objects.select_related("ticket").get(pk=message_id)
    ticket = message.ticket
    if ticket.member_id is None:  # a follower who has not joined: to their openid
        message_to_follower_enqueue(
            openid=ticket.wechat_openid,
            template="cs_reply",
            context={"body": message.body},
            dedupe_key=f"{CAUSE_PREFIX}:{message_id}",
            cause=f"{CAUSE_PREFIX}:{message_id}",
        )
        messages_deliver_soon()
        return
    route = reply_route(ticket)
    message_enqueue(
        member_id=ticket.member_id,
        template="cs_reply",
        context={"body": message.body[:SMS_MAX] if route == "sms" else message.body},
        # WeChat voices: the template's order (customer service, then SMS); others by SMS.
        channel="" if route == "wechat" else "sms",
        dedupe_key=f"{CAUSE_PREFIX}:{message_id}",
        cause=f"{CAUSE_PREFIX}:{message_id}",
    )
    messages_deliver_soon()


def reply_outcome(outcome: MessageOutcome) -> None:
    """Messaging's word on a reply (sent, failed, suppressed, retrying): the ticket shows it."""
    try:
        message_id = int(outcome.cause.partition(":")[2])
    except ValueError:
        return
    rows = TicketMessage.objects.filter(pk=message_id, direction=TicketMessage.Direction.OUT)
    if outcome.status in ("sent", "delivered"):
        rows.update(
            delivery=TicketMessage.Delivery.SENT,
            via="wechat" if outcome.channel == "wechat_cs" else outcome.channel,
            delivered_at=outcome.delivered_at or outcome.sent_at or clock.now(),
            delivery_error=_skipped(outcome.skipped),
        )
    elif outcome.status in ("failed", "suppressed"):
        error = outcome.last_error.partition(":")[0] if outcome.last_error else outcome.reason
        if outcome.reason in ("unreachable", "window_closed") and not outcome.last_error:
            error = _skipped(outcome.skipped) or "unreachable"
            error = "no_phone" if "sms:unreachable" in outcome.skipped else error
        rows.update(delivery=TicketMessage.Delivery.FAILED, delivery_error=error[:64])
    elif outcome.last_error:  # queued again for a retry: keep the latest error visible
        rows.update(delivery_error=outcome.last_error.partition(":")[0][:64])


def _skipped(skipped: str) -> str:
    for part in skipped.split():
        if part in SKIPPED_CODES:
            return SKIPPED_CODES[part]
    return ""


# --- Tasks queued before ADR 40 (followers who have not joined, outside the outbox) -----------


def reply_deliver(*, message_id: int) -> str:
    """Send one reply queued as a task before ADR 40 to a follower without a member by WeChat
    customer service; returns "wechat" or the failure's code. A reply no longer queued is not
    sent again."""
    message = (
        TicketMessage.objects.select_related("ticket")
        .filter(pk=message_id, delivery=TicketMessage.Delivery.QUEUED)
        .first()
    )
    if message is None:
        return "not_queued"
    done = TicketMessage.objects.filter(pk=message_id, delivery=TicketMessage.Delivery.QUEUED)
    try:
        wechat_customer_service_send(openid=message.ticket.wechat_openid, text=message.body)
    except WechatApiError as exc:  # window closed, unfollowed, WeChat down: no phone to try
        log.info("inbox reply %s by WeChat: %s", message_id, exc.code)
        done.update(delivery=TicketMessage.Delivery.FAILED, delivery_error=exc.code[:64])
        return exc.code
    done.update(delivery=TicketMessage.Delivery.SENT, via="wechat", delivered_at=clock.now())
    return "wechat"
