"""The benefit choices of the offer form and how each maps to an `OfferKind` and its params.

Two stored kinds have two shapes each (tiered or repeating thresholds; one special price or a
price per SKU is the same shape with optional parts), so the form offers "form kinds": the
threshold kind appears twice, which keeps the form's fields a plain function of one select."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from omniloop.promotions.models import Offer
from omniloop.promotions.money import to_yuan
from omniloop.promotions.values import OfferKind

THRESHOLD_REPEAT = "threshold_repeat"
TIER_ROWS = 4
MEMBER_TIERS = ("standard", "silver", "gold", "platinum")

FORM_KINDS: list[tuple[str, Promise]] = [
    (OfferKind.AMOUNT_OFF.value, _("Amount off")),
    (OfferKind.PERCENT_OFF.value, _("Percentage off (N折)")),
    (OfferKind.THRESHOLD.value, _("Spend X, save Y (tiers)")),
    (THRESHOLD_REPEAT, _("Save Y for every X spent")),
    (OfferKind.GIFT.value, _("Spend X, get a gift")),
    (OfferKind.BUY_X_GET_Y.value, _("Buy X, get Y")),
    (OfferKind.MEMBER_PRICE.value, _("Member price by tier")),
    (OfferKind.MEMBER_EXTRA.value, _("Extra member discount on top")),
    (OfferKind.FIXED_PRICE.value, _("Special or clearance price")),
    (OfferKind.FREE_SHIPPING.value, _("Free shipping")),
]

KIND_LABELS: dict[str, Promise] = dict(FORM_KINDS)
KIND_LABELS[OfferKind.THRESHOLD.value] = _("Spend X, save Y")

TIER_LABELS: dict[str, Promise] = {
    "standard": _("Standard"),
    "silver": _("Silver"),
    "gold": _("Gold"),
    "platinum": _("Platinum"),
}

# Which form fields belong to which form kind (the form shows only these).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    OfferKind.AMOUNT_OFF.value: ("amount", "min_spend"),
    OfferKind.PERCENT_OFF.value: ("pay_percent", "cap", "min_spend"),
    OfferKind.THRESHOLD.value: tuple(
        f"tier{i}_{part}" for i in range(1, TIER_ROWS + 1) for part in ("spend", "off")
    ),
    THRESHOLD_REPEAT: ("repeat_every", "repeat_off", "cap"),
    OfferKind.GIFT.value: ("gift_sku", "gift_quantity", "min_spend"),
    OfferKind.BUY_X_GET_Y.value: ("buy", "get", "get_pay_percent"),
    OfferKind.MEMBER_PRICE.value: tuple(f"pay_{t}" for t in MEMBER_TIERS),
    OfferKind.MEMBER_EXTRA.value: tuple(f"pay_{t}" for t in MEMBER_TIERS),
    OfferKind.FIXED_PRICE.value: ("price", "sku_prices"),
    OfferKind.FREE_SHIPPING.value: ("min_spend",),
}

# Required fields per form kind (the params schema would refuse anyway; this names the field).
KIND_REQUIRED: dict[str, tuple[str, ...]] = {
    OfferKind.AMOUNT_OFF.value: ("amount",),
    OfferKind.PERCENT_OFF.value: ("pay_percent",),
    OfferKind.THRESHOLD.value: ("tier1_spend", "tier1_off"),
    THRESHOLD_REPEAT: ("repeat_every", "repeat_off"),
    OfferKind.GIFT.value: ("gift_sku",),
    OfferKind.BUY_X_GET_Y.value: ("buy", "get"),
}

# Params keys (as `validate_params` reports them) -> the form field to show the error on.
PARAM_FIELDS: dict[str, str] = {
    "amount": "amount",
    "min_spend": "min_spend",
    "pay_percent": "pay_percent",
    "cap": "cap",
    "tiers": "tier1_spend",
    "repeat_every": "repeat_every",
    "repeat_off": "repeat_off",
    "gift_sku_id": "gift_sku",
    "quantity": "gift_quantity",
    "buy": "buy",
    "get": "get",
    "get_pay_percent": "get_pay_percent",
    "price": "price",
    "sku_prices": "sku_prices",
    **{f"pay_percent_by_tier.{t}": f"pay_{t}" for t in MEMBER_TIERS},
}


def form_kind(offer: Offer) -> str:
    if offer.kind == OfferKind.THRESHOLD and "repeat_every" in (offer.params or {}):
        return THRESHOLD_REPEAT
    return str(offer.kind)


def stored_kind(kind: str) -> str:
    return OfferKind.THRESHOLD.value if kind == THRESHOLD_REPEAT else kind


def initial_from_params(offer: Offer, sku_codes: dict[int, str]) -> dict[str, Any]:
    """Form initial values (yuan, percentages, SKU codes) from stored params (fen, ids)."""
    p: dict[str, Any] = dict(offer.params or {})
    out: dict[str, Any] = {}
    for key in ("amount", "min_spend", "cap", "repeat_every", "repeat_off", "price"):
        if p.get(key) is not None:
            out[key] = to_yuan(int(p[key]))
    for key in ("pay_percent", "buy", "get", "get_pay_percent"):
        if key in p:
            out[key] = p[key]
    for i, (spend, off) in enumerate(p.get("tiers", [])[:TIER_ROWS], start=1):
        out[f"tier{i}_spend"], out[f"tier{i}_off"] = to_yuan(int(spend)), to_yuan(int(off))
    for tier, pay in (p.get("pay_percent_by_tier") or {}).items():
        out[f"pay_{tier}"] = pay
    if "gift_sku_id" in p:
        out["gift_sku"] = sku_codes.get(int(p["gift_sku_id"]), "")
        out["gift_quantity"] = p.get("quantity", 1)
    if p.get("sku_prices"):
        out["sku_prices"] = "\n".join(
            f"{sku_codes.get(int(k), k)} {to_yuan(int(v))}" for k, v in p["sku_prices"].items()
        )
    return out
