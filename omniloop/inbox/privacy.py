"""The inbox's part in data-subject requests (ADR 18): a member's tickets in their export;
erasure blanks what they wrote and deletes their photos (the tickets stay for the reports)."""

from __future__ import annotations

from typing import Any

from omniloop.inbox.models import Ticket, TicketMessage, TicketPhoto
from omniloop.inbox.photos import private_storage
from omniloop.members.models import Member


def tickets_export(member: Member) -> list[dict[str, Any]]:
    return [
        {
            "number": t.number,
            "opened_at": t.created_at.isoformat(),
            "channel": t.channel,
            "category": t.category,
            "status": t.status,
            "messages": [
                {"at": m.created_at.isoformat(), "direction": m.direction, "body": m.body}
                for m in t.messages.exclude(direction=TicketMessage.Direction.NOTE)
            ],
        }
        for t in Ticket.objects.filter(member=member).order_by("created_at", "pk")
    ]


def tickets_erase(member: Member) -> int:
    tickets = Ticket.objects.filter(member=member)
    photos = TicketPhoto.objects.filter(ticket__in=tickets)
    storage = private_storage()
    for path in photos.values_list("path", flat=True):
        storage.delete(path)
    photos.delete()
    TicketMessage.objects.filter(ticket__in=tickets, direction=TicketMessage.Direction.IN).update(
        body="[erased]"
    )
    return tickets.update(summary="[erased]", author_name="", wechat_openid="")
