"""Reads of messaging: a member's message log for the dashboard (no addresses in it, so it is
the same for every role that may open the member)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from omniloop.messaging.models import Message, MessageEvent, MessagingProfile

STATUS_LABELS: dict[str, Promise] = {
    "queued": _("Queued"),
    "sending": _("Sending"),
    "sent": _("Sent"),
    "delivered": _("Delivered"),
    "failed": _("Failed"),
    "suppressed": _("Not sent"),
}
REASON_LABELS: dict[str, Promise] = {
    "no_consent": _("no consent"),
    "unreachable": _("not reachable"),
    "frequency_cap": _("frequency cap"),
    "member_gone": _("member erased"),
    "expired": _("expired"),
    "template_unknown": _("unknown template"),
    "outcome_unknown": _("outcome unknown"),
    "provider": _("refused by the provider"),
    "attempts": _("retries exhausted"),
    "window_closed": _("48-hour window closed"),
    "undelivered": _("not delivered"),
}
CHANNEL_LABELS: dict[str, Promise] = {
    "wechat": _("WeChat"),
    "sms": _("SMS"),
    "email": _("E-mail"),
    "wechat_cs": _("WeChat customer service"),
    "wechat_sub": _("WeChat subscription notice"),
}
KIND_LABELS: dict[str, Promise] = {
    "transactional": _("Transactional"),
    "marketing": _("Marketing"),
}


@dataclass(frozen=True)
class MessageLogRow:
    created_at: datetime
    template: str
    kind: str
    channel: str
    status: str
    status_label: str
    reason: str
    attempts: int
    sent_at: datetime | None
    delivered_at: datetime | None
    opened: bool
    clicked: int


@dataclass(frozen=True)
class MessagingSummary:
    language: str
    email_masked: str
    rows: list[MessageLogRow]
    total: int


def member_message_log(*, member_id: int, limit: int = 50) -> MessagingSummary:
    query = Message.objects.filter(member_id=member_id)
    messages = list(query.order_by("-created_at", "-id")[:limit])
    opened: set[int] = set()
    clicks: dict[int, int] = defaultdict(int)
    events = MessageEvent.objects.filter(
        message_id__in=[m.id for m in messages], kind__in=["opened", "clicked"]
    )
    for message_id, kind in events.values_list("message_id", "kind"):
        if kind == "opened":
            opened.add(message_id)
        else:
            clicks[message_id] += 1
    profile = MessagingProfile.objects.filter(member_id=member_id).first()
    rows = [
        MessageLogRow(
            created_at=m.created_at,
            template=m.template,
            kind=str(KIND_LABELS.get(m.kind, m.kind)),
            channel=str(CHANNEL_LABELS.get(m.channel, "—")) if m.channel else "—",
            status=m.status,
            status_label=str(STATUS_LABELS.get(m.status, m.status)),
            reason=str(REASON_LABELS.get(m.reason, m.reason)) if m.reason else "",
            attempts=m.attempts,
            sent_at=m.sent_at,
            delivered_at=m.delivered_at,
            opened=m.id in opened,
            clicked=clicks.get(m.id, 0),
        )
        for m in messages
    ]
    return MessagingSummary(
        language=profile.get_language_display() if profile else "",
        email_masked=profile.email_masked if profile else "",
        rows=rows,
        total=query.count(),
    )
