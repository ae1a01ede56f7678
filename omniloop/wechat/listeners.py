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
