"""Inventory's reads: what each store can promise (available = on hand - reserved), for the H5
pickup picker, the till and the dashboard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum

from omniloop.accounts.access import Actor, access_store
from omniloop.catalog.models import Sku
from omniloop.core.errors import ValidationFailed
from omniloop.inventory.models import StockLevel, StockReservation
from omniloop.stores.models import Store

MAX_LOOKUP = 100


@dataclass(frozen=True)
class Availability:
    store_id: int
    store_code: str
    sku_id: int
    sku_code: str
    available: int


@dataclass(frozen=True)
class StoreWithStock:
    """A store that can serve a whole basket, and how many of each SKU it has available."""

    store: Store
    available: dict[int, int]


@dataclass(frozen=True)
class StoreStockSummary:
    store: Store
    skus: int
    on_hand: int
    reserved: int
    held: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def availability(
    *, sku_ids: Iterable[int], store_ids: Iterable[int] | None = None
) -> list[Availability]:
    """Available units per store and SKU, for every stock row of these SKUs (at these stores),
    ordered by store code then SKU code. A (store, SKU) without a row has none."""
    qs = StockLevel.objects.filter(sku_id__in=list(sku_ids))
    if store_ids is not None:
        qs = qs.filter(store_id__in=list(store_ids))
    return [
        Availability(
            store_id=store_id,
            store_code=store_code,
            sku_id=sku_id,
            sku_code=sku_code,
            available=available,
        )
        for store_id, store_code, sku_id, sku_code, available in qs.annotate(
            free=F("on_hand") - F("reserved")
        )
        .order_by("store__code", "sku__sku_code")
        .values_list("store_id", "store__code", "sku_id", "sku__sku_code", "free")
    ]


def stores_with_stock(
    *, sku_quantities: Mapping[int, int], city: str | None = None
) -> list[StoreWithStock]:
    """Open stores (in `city`, when given) with at least the asked quantity of every SKU
    available, ordered by store code: where a pickup of the whole basket can be reserved. A
    reserve may still be refused (the selector reads, `stock_reserve` decides)."""
    wanted = {sku_id: q for sku_id, q in sku_quantities.items() if q > 0}
    if not wanted:
        return []
    qs = StockLevel.objects.filter(sku_id__in=list(wanted), store__status=Store.Status.OPEN).filter(
        on_hand__gt=F("reserved")
    )
    if city:
        qs = qs.filter(store__city=city)
    per_store: dict[int, dict[int, int]] = defaultdict(dict)
    for store_id, sku_id, free in qs.annotate(free=F("on_hand") - F("reserved")).values_list(
        "store_id", "sku_id", "free"
    ):
        if free >= wanted[sku_id]:
            per_store[store_id][sku_id] = free
    able = [store_id for store_id, got in per_store.items() if len(got) == len(wanted)]
    stores = Store.objects.filter(pk__in=able).order_by("code")
    return [StoreWithStock(store=s, available=per_store[s.pk]) for s in stores]


def stock_for_store(
    *, actor: Actor, store_id: int, search: str = "", only_reserved: bool = False
) -> QuerySet[StockLevel]:
    """One store's stock rows with their SKU and product, for staff who may see that store
    (another store's staff: 404)."""
    access_store(actor, store_id)
    qs = StockLevel.objects.filter(store_id=store_id).select_related("sku", "sku__product")
    if search:
        qs = qs.filter(
            Q(sku__sku_code__icontains=search)
            | Q(sku__barcode=search)
            | Q(sku__product__name__icontains=search)
            | Q(sku__product__style_code__icontains=search)
        )
    if only_reserved:
        qs = qs.filter(reserved__gt=0)
    return qs.order_by("sku__sku_code")


def held_reservations(*, actor: Actor, store_id: int) -> QuerySet[StockReservation]:
    """A store's held reservations, soonest expiry first (none last)."""
    access_store(actor, store_id)
    return (
        StockReservation.objects.filter(store_id=store_id, status=StockReservation.Status.HELD)
        .select_related("sku")
        .order_by(F("expires_at").asc(nulls_last=True), "pk")
    )


def stock_summary(*, stores: Iterable[Store]) -> list[StoreStockSummary]:
    """Totals per store (SKUs stocked, units on hand and reserved, held reservations)."""
    stores = list(stores)
    ids = [s.pk for s in stores]
    totals = {
        row["store_id"]: row
        for row in StockLevel.objects.filter(store_id__in=ids, on_hand__gt=0)
        .values("store_id")
        .annotate(on_hand_sum=Sum("on_hand"), reserved_sum=Sum("reserved"), skus=Count("pk"))
    }
    held = dict(
        StockReservation.objects.filter(store_id__in=ids, status=StockReservation.Status.HELD)
        .values("store_id")
        .annotate(n=Count("pk"))
        .values_list("store_id", "n")
    )
    out = []
    for s in stores:
        row = totals.get(s.pk, {})
        out.append(
            StoreStockSummary(
                store=s,
                skus=row.get("skus") or 0,
                on_hand=row.get("on_hand_sum") or 0,
                reserved=row.get("reserved_sum") or 0,
                held=held.get(s.pk, 0),
            )
        )
    return out


def availability_for(
    *, sku_refs: Iterable[str], store_codes: Iterable[str] | None = None, city: str | None = None
) -> list[Availability]:
    """`availability` for SKUs named by code or barcode (an unknown one: sku_unknown, 422) at
    stores named by code (unknown ones have nothing), optionally in one city."""
    refs = sorted({r for r in sku_refs if r})
    if not refs or len(refs) > MAX_LOOKUP:
        raise ValidationFailed(
            f"Ask for 1 to {MAX_LOOKUP} SKUs (sku=CODE, repeated).", code="sku_required"
        )
    found = dict(Sku.objects.filter(sku_code__in=refs).values_list("sku_code", "pk")) | {
        barcode: pk
        for barcode, pk in Sku.objects.filter(barcode__in=refs).values_list("barcode", "pk")
    }
    unknown = [r for r in refs if r not in found]
    if unknown:
        raise ValidationFailed(
            "No SKU has this code or barcode.", code="sku_unknown", extra={"skus": unknown}
        )
    stores = Store.objects.all()
    if store_codes is not None:
        stores = stores.filter(code__in=list(store_codes))
    if city:
        stores = stores.filter(city=city)
    store_ids = (
        None if store_codes is None and not city else list(stores.values_list("pk", flat=True))
    )
    return availability(sku_ids=set(found.values()), store_ids=store_ids)
