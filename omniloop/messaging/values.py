"""The words of messaging: channels, kinds, statuses and the reasons a message is not sent."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Channel(models.TextChoices):
    WECHAT = "wechat", "WeChat"
    SMS = "sms", "SMS"
    EMAIL = "email", "E-mail"
    # A customer-service message (客服消息): free text, only inside WeChat's 48-hour window
    # after the user last acted; for answers (the inbox), never part of the fallback order.
    WECHAT_CS = "wechat_cs", "WeChat customer service"
    # A subscription notice (订阅通知, ADR 39): only to a follower who accepted the template the
    # message's template maps to; tried before the fallback order when the template has one.
    WECHAT_SUB = "wechat_sub", "WeChat subscription notice"


def consent_channel(channel: str) -> str:
    """The consent (and cap) a channel answers to: a subscription notice is WeChat's."""
    return Channel.WECHAT if channel == Channel.WECHAT_SUB else channel


# The fallback order when a message names no channel: WeChat (seen, free) if the member
# follows, then SMS, then e-mail.
FALLBACK_ORDER = (Channel.WECHAT, Channel.SMS, Channel.EMAIL)


class MessageKind(models.TextChoices):
    """Transactional messages (an order is ready, a code) bypass caps and quiet hours; marketing
    ones are rationed and need the member's consent for the channel, checked when sent."""

    TRANSACTIONAL = "transactional", "Transactional"
    MARKETING = "marketing", "Marketing"


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    SUPPRESSED = "suppressed", "Suppressed"


# Statuses that count towards a member's frequency caps.
COUNTED = (Status.SENDING, Status.SENT, Status.DELIVERED)


class Reason(models.TextChoices):
    """Why a message ended suppressed or failed (stable codes)."""

    NO_CONSENT = "no_consent", "No consent for the channel"
    UNREACHABLE = "unreachable", "The member cannot be reached on the channel"
    FREQUENCY_CAP = "frequency_cap", "A frequency cap is reached"
    MEMBER_GONE = "member_gone", "The member was erased"
    EXPIRED = "expired", "Not sendable before it expired"
    TEMPLATE_UNKNOWN = "template_unknown", "The template is not registered"
    OUTCOME_UNKNOWN = (
        "outcome_unknown",
        "A worker died mid-send on a channel without a client reference",
    )
    PROVIDER = "provider", "The provider refused it"
    WINDOW_CLOSED = "window_closed", "WeChat's 48-hour customer-service window is closed"
    UNDELIVERED = "undelivered", "The provider's receipt says it was not delivered"
    ATTEMPTS = "attempts", "Retries exhausted"


class EventKind(models.TextChoices):
    DELIVERED = "delivered", "Delivered (receipt)"
    UNDELIVERED = "undelivered", "Not delivered (receipt)"
    OPENED = "opened", "Opened"
    CLICKED = "clicked", "Clicked"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str = ""


@dataclass(frozen=True)
class SendResult:
    provider_id: str


class DeliveryError(Exception):
    """A channel could not send: `retryable` decides between a later try and `failed`."""

    def __init__(self, message: str, *, code: str, retryable: bool, fallback: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        # Not retried here, but the message may be decided again (another channel), e.g. a
        # subscription notice WeChat refused with 43101.
        self.fallback = fallback
