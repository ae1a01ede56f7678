from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Sum

from omniloop.core import clock
from omniloop.loyalty.models import PointsEntry
from omniloop.members.models import Member


def points_award(*, member: Member, points: int, kind: str, ref: str, note: str = "") -> bool:
    """Credit points once per `ref`. Returns False if this ref was already credited."""
    if points == 0:
        return False
    try:
        with transaction.atomic():
            PointsEntry.objects.create(
                member=member,
                delta=points,
                kind=kind,
                ref=ref[:100],
                note=note[:200],
                created_at=clock.now(),
            )
    except IntegrityError:
        return False
    return True


def points_balance(*, member_id: int) -> int:
    total = PointsEntry.objects.filter(member_id=member_id).aggregate(s=Sum("delta"))["s"]
    return int(total or 0)


def merge_points(survivor: Member, merged: Member) -> int:
    return PointsEntry.objects.filter(member=merged).update(member=survivor)
