from __future__ import annotations

from django.db.models import QuerySet

from omniloop.accounts.access import Actor, access_store
from omniloop.core.errors import NotFound
from omniloop.touchpoints.models import ScanEvent, Touchpoint


def touchpoint_list(*, actor: Actor, store_id: int | None = None,
                    kind: str | None = None) -> QuerySet[Touchpoint]:
    qs = Touchpoint.objects.select_related("store", "assistant", "product")
    if not actor.is_hq:
        qs = qs.filter(store_id=actor.store_id)
    if store_id:
        qs = qs.filter(store_id=store_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def touchpoint_get(*, actor: Actor, touchpoint_id: int) -> Touchpoint:
    tp = Touchpoint.objects.select_related("store", "assistant", "product").filter(
        pk=touchpoint_id).first()
    if tp is None:
        raise NotFound("Touchpoint not found.", code="touchpoint_not_found")
    if tp.store_id is not None or not actor.is_hq:
        access_store(actor, tp.store_id)
    return tp


def assistant_card(*, assistant_id: int) -> Touchpoint | None:
    return Touchpoint.objects.filter(kind=Touchpoint.Kind.ASSISTANT_CARD,
                                     assistant_id=assistant_id).first()


def member_scans(*, member_id: int, limit: int = 100) -> QuerySet[ScanEvent]:
    return (ScanEvent.objects.select_related("touchpoint", "store", "assistant", "product")
            .filter(member_id=member_id).order_by("-scanned_at")[:limit])
