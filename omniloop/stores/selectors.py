from __future__ import annotations

from django.db.models import QuerySet

from omniloop.core import rows
from omniloop.core.errors import NotFound
from omniloop.stores.models import SalesChannel, Store


def store_get(*, code: str) -> Store:
    try:
        return Store.objects.get(code=code)
    except Store.DoesNotExist as exc:
        raise NotFound(f"No store {code!r}.", code="store_not_found") from exc


def store_list() -> QuerySet[Store]:
    return Store.objects.all()


def channel_get(*, code: str) -> SalesChannel:
    try:
        return SalesChannel.objects.get(code=code)
    except SalesChannel.DoesNotExist as exc:
        raise NotFound(f"No sales channel {code!r}.", code="channel_not_found") from exc


def channel_for_store_till() -> SalesChannel:
    # Read on every till sale: one fixed statement (core.rows); created on first use.
    channel = rows.fetch_one(SalesChannel, "t.code = %s", ["store-till"])
    if channel is not None:
        return channel
    channel, _ = SalesChannel.objects.get_or_create(
        code="store-till",
        defaults={
            "name": "门店收银",
            "name_en": "Store till",
            "kind": SalesChannel.Kind.STORE_TILL,
        },
    )
    return channel


def channel_list(*, active_only: bool = True) -> QuerySet[SalesChannel]:
    qs = SalesChannel.objects.order_by("code")
    return qs.filter(active=True) if active_only else qs
