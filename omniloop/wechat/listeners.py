"""What higher apps hear about followers' messages, without this app importing them.

The customer-service inbox (above the interfaces' neighbours) registers a listener in its
AppConfig.ready(), as apps register order listeners (`orders.events`). Listeners run inside
the transaction that marks the `WechatInbound` row processed, so a message is processed and
filed together or not at all, once however often its task runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

# The messages a follower writes that a person should read (not events, not locations).
MESSAGE_TYPES = frozenset({"text", "image"})


@dataclass(frozen=True)
class FollowerMessage:
    inbound_id: int
    openid: str
    member_id: int | None
    msg_type: str  # "text" or "image"
    content: str
    pic_url: str
    media_id: str
    sent_at: datetime


MessageListener = Callable[[FollowerMessage], object]
_listeners: dict[str, MessageListener] = {}


def register_message_listener(name: str, listener: MessageListener) -> None:
    _listeners[name] = listener


def follower_message(message: FollowerMessage) -> None:
    """A follower wrote (text) or sent a picture; every listener hears it, in name order."""
    for _, listener in sorted(_listeners.items()):
        listener(message)


@dataclass(frozen=True)
class TemplateJobFinished:
    """WeChat's receipt of a template message (TEMPLATESENDJOBFINISH): `status` is "success",
    "failed:user block" or "failed: system failed"; `msgid` is what the send returned."""

    msgid: int
    status: str
    openid: str
    at: datetime


ReceiptListener = Callable[[TemplateJobFinished], object]
_receipt_listeners: dict[str, ReceiptListener] = {}


def register_receipt_listener(name: str, listener: ReceiptListener) -> None:
    _receipt_listeners[name] = listener


def template_job_finished(receipt: TemplateJobFinished) -> None:
    """A template message's receipt arrived; every listener hears it, in name order (messaging
    records it on the outbox message)."""
    for _, listener in sorted(_receipt_listeners.items()):
        listener(receipt)


@dataclass(frozen=True)
class SubscriptionSent:
    """WeChat's receipt of a subscription notice (subscribe_msg_sent_event): `status` is its
    ErrorStatus ("success", "failed:user block", "failed:system failed"), `error_code` its
    ErrorCode, `msgid` its MsgID."""

    template_id: str
    msgid: str
    status: str
    error_code: int
    openid: str
    at: datetime


SubscriptionReceiptListener = Callable[[SubscriptionSent], object]
_sub_receipt_listeners: dict[str, SubscriptionReceiptListener] = {}


def register_subscription_receipt_listener(
    name: str, listener: SubscriptionReceiptListener
) -> None:
    _sub_receipt_listeners[name] = listener


def subscription_sent(receipt: SubscriptionSent) -> None:
    """A subscription notice's receipt arrived; every listener hears it, in name order."""
    for _, listener in sorted(_sub_receipt_listeners.items()):
        listener(receipt)
