"""An offer's terms in the shopper's words and language (满300减50 / ¥50 off orders of ¥300 or
more), from its kind and params (money in params is integer fen)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from omniloop.promotions.models import Offer


def _yuan(fen: Any) -> str:
    value = Decimal(int(fen or 0)) / 100
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _zhe(pay_percent: Any) -> str:
    """pay 80% -> 8 (折), pay 85% -> 8.5."""
    value = Decimal(str(pay_percent)) / 10
    return f"{value.normalize():f}"


def _off(pay_percent: Any) -> str:
    return f"{(Decimal(100) - Decimal(str(pay_percent))).normalize():f}"


def _amount_off(p: dict[str, Any]) -> str:
    if int(p.get("min_spend") or 0):
        return _("¥%(amount)s off orders of ¥%(min)s or more") % {
            "amount": _yuan(p.get("amount")),
            "min": _yuan(p["min_spend"]),
        }
    return _("¥%(amount)s off") % {"amount": _yuan(p.get("amount"))}


def _percent_off(p: dict[str, Any]) -> str:
    pay = p.get("pay_percent", 100)
    # Chinese names the price paid (85% paid is 8.5折), English the part taken off (15% off):
    # not a word-for-word translation, so each language builds its own.
    if (get_language() or "").startswith("zh"):
        text = f"{_zhe(pay)}折"
    else:
        text = _("%(off)s%% off") % {"off": _off(pay)}
    if int(p.get("min_spend") or 0):
        text += _(", on orders of ¥%(min)s or more") % {"min": _yuan(p["min_spend"])}
    if p.get("cap") is not None:
        text += _(", up to ¥%(cap)s off") % {"cap": _yuan(p["cap"])}
    return text


def _threshold(p: dict[str, Any]) -> str:
    if "repeat_every" in p:
        text = _("¥%(off)s off for every ¥%(every)s spent") % {
            "off": _yuan(p.get("repeat_off")),
            "every": _yuan(p["repeat_every"]),
        }
        if p.get("cap") is not None:
            text += _(", up to ¥%(cap)s off") % {"cap": _yuan(p["cap"])}
        return text
    tiers = [
        _("¥%(off)s off orders of ¥%(min)s") % {"off": _yuan(off), "min": _yuan(spend)}
        for spend, off in p.get("tiers", [])
    ]
    return _("; ").join(tiers)


def _buy_x_get_y(p: dict[str, Any]) -> str:
    pay = p.get("get_pay_percent", 0)
    if not int(pay or 0):
        return _("Buy %(buy)s, get %(get)s free") % {"buy": p.get("buy"), "get": p.get("get")}
    return _("Buy %(buy)s, get %(get)s more at %(off)s%% off") % {
        "buy": p.get("buy"),
        "get": p.get("get"),
        "off": _off(pay),
    }


def _gift(p: dict[str, Any]) -> str:
    if int(p.get("min_spend") or 0):
        return _("A free gift with orders of ¥%(min)s or more") % {"min": _yuan(p["min_spend"])}
    return _("A free gift with your order")


def _free_shipping(p: dict[str, Any]) -> str:
    if int(p.get("min_spend") or 0):
        return _("Free shipping on orders of ¥%(min)s or more") % {"min": _yuan(p["min_spend"])}
    return _("Free shipping")


def _fixed_price(p: dict[str, Any]) -> str:
    if p.get("price") is not None:
        return _("Special price ¥%(price)s") % {"price": _yuan(p["price"])}
    return _("Special prices on selected items")


def offer_terms(offer: Offer) -> str:
    """The benefit in one line; unknown or malformed params fall back to the offer's name."""
    p = offer.params or {}
    try:
        match offer.kind:
            case "amount_off":
                return _amount_off(p)
            case "percent_off":
                return _percent_off(p)
            case "threshold":
                return _threshold(p)
            case "buy_x_get_y":
                return _buy_x_get_y(p)
            case "member_price":
                return _("Member price")
            case "member_extra":
                return _("Extra member discount")
            case "fixed_price":
                return _fixed_price(p)
            case "gift":
                return _gift(p)
            case "free_shipping":
                return _free_shipping(p)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        pass
    return offer.name


def offer_scope(offer: Offer) -> str:
    """Where it can be used, in a few words (R6: the same terms in store and online)."""
    if offer.channels:
        where = _("on selected channels only")
    elif list(offer.stores.all()):  # prefetched by the wallet
        where = _("in selected stores only")
    else:
        where = _("in store and online")
    what = _("all products") if offer.all_products else _("selected products")
    return _("Valid %(where)s, on %(what)s") % {"where": where, "what": what}
