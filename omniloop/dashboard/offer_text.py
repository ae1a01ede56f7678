"""Offers in plain words, for the people who set them up: "满¥300减¥50，满¥500减¥100，适用于外套，
限门店收银、微信商城，周末 10:00–14:00（上海时间），不与其他“site”组优惠同享".

Reads only what a prefetched offer already holds, plus one query for channel names and one for
store time zones, so the detail page stays cheap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop, pgettext
from django.utils.translation import gettext as _

from omniloop.catalog.models import Sku
from omniloop.core.clock import now
from omniloop.dashboard.offer_kinds import TIER_LABELS
from omniloop.promotions.models import FlashSale, Offer
from omniloop.promotions.values import OfferKind
from omniloop.stores.models import SalesChannel, Store

SHORT_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ZONE_NAMES = {
    "Asia/Shanghai": gettext_noop("Shanghai"),
    "Asia/Hong_Kong": gettext_noop("Hong Kong"),
    "Asia/Taipei": gettext_noop("Taipei"),
    "Asia/Tokyo": gettext_noop("Tokyo"),
    "Asia/Singapore": gettext_noop("Singapore"),
}


def yuan(fen: Any) -> str:
    """12345 -> ¥123.45; whole amounts without cents (¥300), as shoppers read them."""
    value = Decimal(int(fen)) / 100
    return f"¥{value:,.0f}" if value == value.to_integral_value() else f"¥{value:,.2f}"


def listing(items: list[str]) -> str:
    return pgettext("list separator", ", ").join(items)


def percent_phrase(pay: Any) -> str:
    """Chinese states what the customer pays (8折 = pays 80%); English what is taken off.
    The two are not translations of one template, so the language picks the form."""
    if (get_language() or "").startswith("zh"):
        return f"{Decimal(int(pay)) / 10:g}折"
    return _("%(pct)s%% off") % {"pct": 100 - int(pay)}


def _tier_prices(params: dict[str, Any]) -> str:
    by_tier = params.get("pay_percent_by_tier") or {}
    return listing([f"{TIER_LABELS.get(t, t)} {percent_phrase(p)}" for t, p in by_tier.items()])


def benefit_text(kind: str, params: dict[str, Any]) -> str:
    p = params or {}
    spend = yuan(p.get("min_spend", 0))
    with_spend = bool(p.get("min_spend"))
    if kind == OfferKind.AMOUNT_OFF:
        off = yuan(p.get("amount", 0))
        if with_spend:
            return _("%(off)s off from %(spend)s") % {"off": off, "spend": spend}
        return _("%(off)s off") % {"off": off}
    if kind == OfferKind.PERCENT_OFF:
        text = percent_phrase(p.get("pay_percent", 100))
        if with_spend:
            text = _("%(discount)s from %(spend)s") % {"discount": text, "spend": spend}
        if p.get("cap"):
            text += pgettext("clause separator", ", ") + _("at most %(cap)s off") % {
                "cap": yuan(p["cap"])
            }
        return text
    if kind == OfferKind.THRESHOLD and "repeat_every" in p:
        text = _("%(off)s off for every %(every)s spent") % {
            "off": yuan(p["repeat_off"]),
            "every": yuan(p["repeat_every"]),
        }
        if p.get("cap"):
            text += pgettext("clause separator", ", ") + _("at most %(cap)s off") % {
                "cap": yuan(p["cap"])
            }
        return text
    if kind == OfferKind.THRESHOLD:
        return pgettext("tier separator", " / ").join(
            _("%(off)s off from %(spend)s") % {"off": yuan(off), "spend": yuan(s)}
            for s, off in p.get("tiers", [])
        )
    if kind == OfferKind.GIFT:
        sku = (
            Sku.objects.filter(pk=int(p.get("gift_sku_id") or 0)).select_related("product").first()
        )
        gift = f"{sku.product.name} {sku.sku_code}" if sku else "?"
        args = {"gift": gift, "qty": p.get("quantity", 1), "spend": spend}
        if with_spend:
            return _("a free %(gift)s × %(qty)s from %(spend)s") % args
        return _("a free %(gift)s × %(qty)s") % args
    if kind == OfferKind.BUY_X_GET_Y:
        args = {"buy": p.get("buy"), "get": p.get("get"), "pay": p.get("get_pay_percent", 0)}
        if not args["pay"]:
            return _("buy %(buy)s, get %(get)s free") % args
        return _("buy %(buy)s, get %(get)s more at %(pay)s%% of the price") % args
    if kind == OfferKind.MEMBER_PRICE:
        return _("member price: %(tiers)s") % {"tiers": _tier_prices(p)}
    if kind == OfferKind.MEMBER_EXTRA:
        return _("extra member discount on top: %(tiers)s") % {"tiers": _tier_prices(p)}
    if kind == OfferKind.FIXED_PRICE:
        parts = []
        if p.get("price"):
            parts.append(_("special price %(price)s a unit") % {"price": yuan(p["price"])})
        if p.get("sku_prices"):
            parts.append(_("special prices for %(n)s SKUs") % {"n": len(p["sku_prices"])})
        return listing(parts)
    if kind == OfferKind.FREE_SHIPPING:
        if with_spend:
            return _("free shipping from %(spend)s") % {"spend": spend}
        return _("free shipping")
    return str(kind)


def _loc(obj: Any) -> str:
    english = getattr(obj, "name_en", "") if (get_language() or "").startswith("en") else ""
    return str(english or obj.name)


def scope_text(offer: Offer, *, short: bool = False) -> str:
    if offer.all_products:
        return _("all products")
    names = [_loc(c) for c in offer.categories.all()]
    names += [_("the %(name)s collection") % {"name": _loc(c)} for c in offer.collections.all()]
    products = list(offer.products.all())
    if len(products) > 3 or (short and products):
        names.append(_("%(n)s products") % {"n": len(products)})
    else:
        names += [_loc(p) for p in products]
    return listing(names)


def where_text(offer: Offer, channel_names: dict[str, str]) -> str:
    parts = []
    if offer.channels:
        parts.append(listing([channel_names.get(c, c) for c in offer.channels]))
    stores = list(offer.stores.all())
    if len(stores) > 3:
        parts.append(_("%(n)s stores") % {"n": len(stores)})
    elif stores:
        parts.append(listing([_loc(s) for s in stores]))
    return pgettext("where separator", " · ").join(parts)


def _weekday_text(days: list[int]) -> str:
    if set(days) == {5, 6}:
        return _("weekends")
    if set(days) == {0, 1, 2, 3, 4}:
        return _("Monday to Friday")
    return listing([_(SHORT_WEEKDAYS[d]) for d in sorted(days)])


def zone_text(offer: Offer) -> str:
    """The time zone the days and hours are read in: the stores' (when they share one)."""
    store_ids = [s.pk for s in offer.stores.all()]
    qs = Store.objects.filter(pk__in=store_ids) if store_ids else Store.objects.all()
    zones = set(qs.values_list("timezone", flat=True)) or {settings.TIME_ZONE}
    if len(zones) > 1:
        return _("each store's local time")
    zone = zones.pop()
    return _("%(zone)s time") % {"zone": _(ZONE_NAMES[zone]) if zone in ZONE_NAMES else zone}


def _when(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def days_text(offer: Offer) -> str:
    """ "weekends 10:00–14:00", without the time zone."""
    daily = _weekday_text(list(offer.weekdays)) if offer.weekdays else ""
    if offer.daily_start or offer.daily_end:
        start = offer.daily_start.strftime("%H:%M") if offer.daily_start else "00:00"
        end = offer.daily_end.strftime("%H:%M") if offer.daily_end else "24:00"
        daily = f"{daily} {start}–{end}".strip()
    return daily


def channel_names() -> dict[str, str]:
    return {c.code: _loc(c) for c in SalesChannel.objects.all()}


def window_text(offer: Offer) -> str:
    parts = []
    if offer.starts_at and offer.ends_at:
        parts.append(
            _("%(start)s to %(end)s")
            % {"start": _when(offer.starts_at), "end": _when(offer.ends_at)}
        )
    elif offer.starts_at:
        parts.append(_("from %(start)s") % {"start": _when(offer.starts_at)})
    elif offer.ends_at:
        parts.append(_("until %(end)s") % {"end": _when(offer.ends_at)})
    daily = days_text(offer)
    if daily:
        parts.append(_("%(when)s (%(zone)s)") % {"when": daily, "zone": zone_text(offer)})
    return pgettext("clause separator", ", ").join(parts)


def audience_text(offer: Offer) -> str:
    if offer.tiers:
        return _("for %(tiers)s members") % {
            "tiers": listing([str(TIER_LABELS.get(t, t)) for t in offer.tiers])
        }
    if offer.requires_member:
        return _("for members only")
    return ""


def stacking_text(offer: Offer) -> str:
    parts = []
    if offer.exclusive:
        parts.append(_("never combined with other offers"))
    elif offer.stacking_group:
        parts.append(
            _("not combinable with other “%(group)s” offers (the best one applies)")
            % {"group": offer.stacking_group}
        )
    if offer.max_discount is not None:
        parts.append(
            _("at most %(cap)s off per order") % {"cap": yuan(int(offer.max_discount * 100))}
        )
    if offer.coupon_only:
        parts.append(_("only with a coupon"))
    return pgettext("clause separator", ", ").join(parts)


@dataclass(frozen=True)
class OfferText:
    summary: str
    benefit: str
    scope: str
    where: str
    audience: str
    window: str
    stacking: str


def offer_text(offer: Offer) -> OfferText:
    names = channel_names()
    benefit = benefit_text(offer.kind, offer.params)
    scope = scope_text(offer)
    where = where_text(offer, names)
    audience = audience_text(offer)
    window = window_text(offer)
    stacking = stacking_text(offer)
    clauses = [
        benefit,
        _("on %(scope)s") % {"scope": scope},
        _("at %(where)s") % {"where": where} if where else "",
        audience,
        window,
        stacking,
    ]
    summary = pgettext("clause separator", ", ").join(c for c in clauses if c)
    return OfferText(summary, benefit, scope, where, audience, window, stacking)


STATUS_CLASSES = {
    "draft": "draft",
    "scheduled": "planned",
    "running": "active",
    "paused": "paused",
    "over": "closed",
    "ended": "closed",
}


def display_status(offer: Offer | FlashSale, at: datetime | None = None) -> str:
    """draft, scheduled (active, not started), running, paused, over (active, window passed),
    ended: what staff need to know, where the stored status alone would mislead."""
    at = at or now()
    if offer.status == "active":
        if offer.starts_at and offer.starts_at > at:
            return "scheduled"
        if offer.ends_at and offer.ends_at <= at:
            return "over"
        return "running"
    return str(offer.status)
