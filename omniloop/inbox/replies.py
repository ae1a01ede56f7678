"""How a reply reaches the customer: back through the channel the voice came from.

WeChat voices are answered with a customer-service message (客服消息) while WeChat's 48-hour
window is open, otherwise by SMS (a notice) to the member's phone; voices from the H5 form,
store notes and surveys by SMS; social mentions and reviews are answered on their platform by
hand (no route). Delivery is a task enqueued in the reply's transaction (django-tasks, ADR 6),
so a rolled-back reply sends nothing. This module is the one place that decides and sends, so
it can be rerouted through the messaging outbox later without touching the inbox."""

from __future__ import annotations

import logging

from django.db import transaction

from omniloop.core import clock
from omniloop.core.sms import SmsKind, SmsMessage, send_sms
from omniloop.inbox.models import Channel, Ticket, TicketMessage
from omniloop.members.models import Member
from omniloop.members.selectors import member_phone
from omniloop.wechat.errors import WechatApiError
from omniloop.wechat.messages import wechat_customer_service_send

log = logging.getLogger(__name__)
SMS_CHANNELS = frozenset({Channel.WECHAT, Channel.H5_FORM, Channel.STORE_NOTE, Channel.SURVEY})
SMS_MAX = 300


def reply_route(ticket: Ticket) -> str:
    """The route a reply will try first: "wechat", "sms", or "" (answered on the platform)."""
    if ticket.channel == Channel.WECHAT and ticket.wechat_openid:
        return "wechat"
    if ticket.channel in SMS_CHANNELS and ticket.member_id is not None:
        return "sms"
    return ""


def reply_enqueue(message_id: int) -> None:
    from omniloop.inbox.tasks import inbox_reply_task

    backend = type(inbox_reply_task.get_backend()).__module__
    if backend.startswith("django_tasks_rq"):  # RQ enqueues at once: hand it over on commit
        transaction.on_commit(lambda: inbox_reply_task.enqueue(message_id))
    else:  # the database backend writes the task row in this transaction (the outbox)
        inbox_reply_task.enqueue(message_id)


def _sms(ticket: Ticket, text: str) -> str:
    member = Member.objects.filter(pk=ticket.member_id).first() if ticket.member_id else None
    phone = member_phone(member=member) if member is not None else None
    if phone is None:
        return "no_phone"
    send_sms(SmsMessage(to_e164=phone.e164, text=text[:SMS_MAX], kind=SmsKind.NOTICE))
    return ""


def reply_deliver(*, message_id: int) -> str:
    """Send one queued reply; returns how it went ("wechat", "sms" or the failure's code).
    A reply that is no longer queued (sent by an earlier run) is not sent again."""
    message = (
        TicketMessage.objects.select_related("ticket")
        .filter(pk=message_id, delivery=TicketMessage.Delivery.QUEUED)
        .first()
    )
    if message is None:
        return "not_queued"
    ticket = message.ticket
    via, error = "", ""
    if reply_route(ticket) == "wechat":
        openid = ticket.wechat_openid
        try:
            wechat_customer_service_send(openid=openid, text=message.body)
            via = "wechat"
        except WechatApiError as exc:  # window closed, unfollowed, WeChat down: SMS instead
            log.info("inbox reply %s by WeChat: %s", message_id, exc.code)
            error = exc.code
    if not via:
        failed = _sms(ticket, message.body)
        # Keep why WeChat was not used beside how it went instead.
        via, error = ("", failed) if failed else ("sms", error)
    done = TicketMessage.objects.filter(pk=message_id, delivery=TicketMessage.Delivery.QUEUED)
    if via:
        done.update(
            delivery=TicketMessage.Delivery.SENT,
            via=via,
            delivered_at=clock.now(),
            delivery_error=error[:64],
        )
        return via
    done.update(delivery=TicketMessage.Delivery.FAILED, delivery_error=error[:64])
    return error
