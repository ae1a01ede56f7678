"""Content views in merges and data-subject requests (ADR 18): a view is member data (who
read what, when). Merges move them to the survivor; erasure deletes them."""

from __future__ import annotations

from typing import Any

from omniloop.content.models import ContentView
from omniloop.members.models import Member


def merge_move_views(survivor: Member, merged: Member) -> int:
    return ContentView.objects.filter(member=merged).update(member=survivor)


def views_export(member: Member) -> list[dict[str, Any]]:
    return [
        {"content": v.item_id, "mall": v.mall, "via": v.via, "at": v.at.isoformat()}
        for v in ContentView.objects.filter(member=member).order_by("at", "pk")
    ]


def views_erase(member: Member) -> int:
    return ContentView.objects.filter(member=member).delete()[0]
