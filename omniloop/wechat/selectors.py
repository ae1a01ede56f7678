"""Reads of the wechat app for the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from omniloop.wechat.models import WechatUnionidConflict


@dataclass(frozen=True)
class UnionidConflictRow:
    other_code: str
    created_at: datetime


def unionid_conflicts_open(*, member_id: int) -> list[UnionidConflictRow]:
    """Members sharing this member's WeChat unionid that were not merged (both hold phones):
    for staff to merge or leave (ADR 31)."""
    rows = (
        WechatUnionidConflict.objects.filter(Q(member_id=member_id) | Q(other_id=member_id))
        .filter(resolved_at__isnull=True)
        .select_related("member", "other")
        .order_by("created_at", "pk")
    )
    return [
        UnionidConflictRow(
            other_code=(r.other if r.member_id == member_id else r.member).code,
            created_at=r.created_at,
        )
        for r in rows
    ]
