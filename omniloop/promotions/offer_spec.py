"""What an offer is made of (`OfferSpec`) and the checks every write of one passes, so the
pricing engine can trust what it loads: params match the kind (`params.validate_params`), a
window ends after it starts, weekdays are 0-6, daily hours run forwards, and a scope is never
empty unless it is all products (products, categories and collections are alternatives: a line
in any one of them is in scope). Every refusal is a `ValidationFailed` whose `extra["field"]`
names the field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Model
from django.utils import timezone

from omniloop.catalog.models import Category, Collection, Product, Sku
from omniloop.core.errors import ValidationFailed
from omniloop.promotions.models import Offer
from omniloop.promotions.params import MEMBER_TIERS, validate_params
from omniloop.promotions.segments import unknown_segments
from omniloop.promotions.values import OfferKind
from omniloop.stores.models import SalesChannel, Store

MAX_PRIORITY = 1_000_000
MAX_DISCOUNT = Decimal("99999999.99")
SCOPE_EMPTY = "Choose products, categories or collections, or all products."


@dataclass(frozen=True)
class OfferSpec:
    """Everything an offer is made of, as the services take it (ids for the M2M scope)."""

    name: str
    kind: str
    params: dict[str, Any]
    description: str = ""
    all_products: bool = False
    products: tuple[int, ...] = ()
    categories: tuple[int, ...] = ()
    collections: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    stores: tuple[int, ...] = ()
    tiers: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    requires_member: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    weekdays: tuple[int, ...] = ()
    daily_start: time | None = None
    daily_end: time | None = None
    stacking_group: str = ""
    exclusive: bool = False
    priority: int = 100
    compound: bool = False
    max_discount: Decimal | None = None
    coupon_only: bool = False


SPEC_FIELDS = frozenset(f.name for f in fields(OfferSpec))
M2M_FIELDS = ("products", "categories", "collections", "stores")


def _fail(code: str, message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, extra={"field": field})


def _ids(values: Iterable[Any], field: str) -> tuple[int, ...]:
    """Ids from ints or model instances, de-duplicated and sorted."""
    out = set()
    for value in values or ():
        pk = value.pk if isinstance(value, Model) else value
        if isinstance(pk, bool) or not isinstance(pk, int) or pk <= 0:
            raise _fail(
                "offer_scope_invalid", "The scope lists something that is not an id.", field
            )
        out.add(pk)
    return tuple(sorted(out))


def spec_from(data: dict[str, Any], base: OfferSpec | None = None) -> OfferSpec:
    unknown = sorted(set(data) - SPEC_FIELDS)
    if unknown:
        raise ValidationFailed(
            "Unknown offer field.", code="offer_field_unknown", extra={"fields": unknown}
        )
    if base is None:
        missing = [name for name in ("name", "kind", "params") if name not in data]
        if missing:
            raise _fail(
                "offer_field_missing", "An offer needs a name, a kind and its settings.", missing[0]
            )
        base = OfferSpec(name="", kind="", params={})
    values = dict(data)
    for name in M2M_FIELDS:
        if name in values:
            values[name] = _ids(values[name], name)
    for name in ("channels", "tiers", "segments", "weekdays"):
        if name in values:
            values[name] = tuple(values[name] or ())
    return replace(base, **values)


def _check_window(spec: OfferSpec) -> None:
    for name in ("starts_at", "ends_at"):
        value = getattr(spec, name)
        if value is not None and (not isinstance(value, datetime) or timezone.is_naive(value)):
            raise _fail("offer_window_invalid", "Give start and end times with a time zone.", name)
    if spec.starts_at and spec.ends_at and spec.ends_at <= spec.starts_at:
        raise _fail("offer_window_invalid", "The offer must end after it starts.", "ends_at")
    if any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in spec.weekdays):
        raise _fail(
            "offer_weekdays_invalid", "Weekdays run from 0 (Monday) to 6 (Sunday).", "weekdays"
        )
    for name in ("daily_start", "daily_end"):
        value = getattr(spec, name)
        if value is not None and not isinstance(value, time):
            raise _fail("offer_hours_invalid", "Daily hours must be times of day.", name)
    if spec.daily_start and spec.daily_end and spec.daily_start >= spec.daily_end:
        raise _fail("offer_hours_invalid", "Daily hours must end after they start.", "daily_end")


def _check_scope(spec: OfferSpec) -> None:
    if not spec.all_products and not (spec.products or spec.categories or spec.collections):
        raise _fail("offer_scope_empty", SCOPE_EMPTY, "products")
    checks: list[tuple[str, type[Model], tuple[int, ...]]] = [
        ("products", Product, spec.products),
        ("categories", Category, spec.categories),
        ("collections", Collection, spec.collections),
        ("stores", Store, spec.stores),
    ]
    for name, model, ids in checks:
        if ids and model._default_manager.filter(pk__in=ids).count() != len(ids):
            raise _fail(
                "offer_scope_unknown", "The scope names something that does not exist.", name
            )
    channels = set(spec.channels)
    if channels and SalesChannel.objects.filter(code__in=channels).count() != len(channels):
        raise _fail("offer_channel_unknown", "Unknown sales channel.", "channels")


def _check_skus(spec: OfferSpec) -> None:
    """Gift and special-price SKUs must exist (the engine would quote a gift it cannot ship)."""
    gift_sku_id = spec.params.get("gift_sku_id") if spec.kind == OfferKind.GIFT else None
    if gift_sku_id is not None and not Sku.objects.filter(pk=gift_sku_id, active=True).exists():
        raise _fail(
            "offer_gift_sku_unknown",
            "The gift SKU does not exist or is inactive.",
            "gift_sku_id",
        )
    sku_ids = {int(k) for k in spec.params.get("sku_prices", {})}
    if sku_ids and Sku.objects.filter(pk__in=sku_ids).count() != len(sku_ids):
        raise _fail("offer_sku_unknown", "A listed SKU does not exist.", "sku_prices")


def validated(spec: OfferSpec) -> OfferSpec:
    name = (spec.name or "").strip()
    if not name or len(name) > 100:
        raise _fail("offer_name_invalid", "Give the offer a name of up to 100 characters.", "name")
    description = (spec.description or "").strip()
    if len(description) > 300:
        raise _fail(
            "offer_description_invalid", "Keep the description under 300 characters.", "description"
        )
    params = validate_params(spec.kind, spec.params)
    group = (spec.stacking_group or "").strip()
    if len(group) > 32:
        raise _fail(
            "offer_stacking_group_invalid",
            "Keep the stacking group under 32 characters.",
            "stacking_group",
        )
    priority = spec.priority
    if (
        isinstance(priority, bool)
        or not isinstance(priority, int)
        or not (0 <= priority <= MAX_PRIORITY)
    ):
        raise _fail(
            "offer_priority_invalid", "Priority is a whole number from 0 upwards.", "priority"
        )
    cap = spec.max_discount
    if cap is not None:
        try:
            cap = Decimal(cap).quantize(Decimal("0.01"))
        except (InvalidOperation, TypeError, ValueError):
            cap = Decimal(-1)
        if not Decimal(0) <= cap <= MAX_DISCOUNT:
            raise _fail(
                "offer_max_discount_invalid",
                "The per-order cap cannot be negative.",
                "max_discount",
            )
    if set(spec.tiers) - set(MEMBER_TIERS):
        raise _fail("offer_tier_unknown", "Unknown member tier.", "tiers")
    if unknown_segments(spec.segments):
        raise _fail("offer_segment_unknown", "Unknown segment.", "segments")
    spec = replace(
        spec,
        name=name,
        description=description,
        params=params,
        stacking_group=group,
        max_discount=cap,
        channels=tuple(sorted(set(spec.channels))),
        tiers=tuple(t for t in MEMBER_TIERS if t in set(spec.tiers)),
        segments=tuple(sorted({str(s) for s in spec.segments})),
        weekdays=tuple(sorted(set(spec.weekdays))),
    )
    _check_window(spec)
    _check_scope(spec)
    _check_skus(spec)
    return spec


def write_fields(offer: Offer, spec: OfferSpec) -> None:
    for f in fields(OfferSpec):
        if f.name in M2M_FIELDS:
            continue
        value = getattr(spec, f.name)
        setattr(offer, f.name, list(value) if isinstance(value, tuple) else value)


def set_scope(offer: Offer, spec: OfferSpec) -> None:
    offer.products.set(spec.products)
    offer.categories.set(spec.categories)
    offer.collections.set(spec.collections)
    offer.stores.set(spec.stores)


def offer_spec(*, offer: Offer) -> OfferSpec:
    """The spec an existing offer was built from (forms edit it; duplicate copies it)."""
    values: dict[str, Any] = {}
    for f in fields(OfferSpec):
        if f.name in M2M_FIELDS:
            values[f.name] = tuple(sorted(getattr(offer, f.name).values_list("pk", flat=True)))
        else:
            value = getattr(offer, f.name)
            values[f.name] = tuple(value) if isinstance(value, list) else value
    return OfferSpec(**values)
