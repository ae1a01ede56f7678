"""The shape of `Offer.params` for each offer kind, checked before anything is stored.

The pricing engine (`benefits.py`) trusts these shapes: it never re-checks that a percentage is
between 1 and 99 or that tiers ascend, so every write of `params` goes through `validate_params`.
All money here is integer fen (分); forms convert from yuan at the boundary."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from omniloop.core.errors import ValidationFailed
from omniloop.promotions.values import OfferKind

MEMBER_TIERS = ("standard", "silver", "gold", "platinum")

Fen = Annotated[int, Field(ge=0, le=100_000_000, strict=True)]
PositiveFen = Annotated[int, Field(gt=0, le=100_000_000, strict=True)]
PayPercent = Annotated[int, Field(ge=1, le=99, strict=True)]
Count = Annotated[int, Field(ge=1, le=99, strict=True)]

# Messages of the cross-field checks; the dashboard lists them for translation.
TIERS_ASCENDING = "Each tier must need a higher spend and take more off than the one before."
OFF_OVER_SPEND = "The amount off cannot exceed the spend that earns it."
NEEDS_A_PRICE = "Give a price, or a price per SKU."
NEEDS_A_TIER = "Give the price for at least one member tier."
UNKNOWN_TIER = "Unknown member tier."


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AmountOff(_Params):
    """立减: ¥`amount` off the in-scope items, once the in-scope spend reaches `min_spend`."""

    amount: PositiveFen
    min_spend: Fen = 0


class PercentOff(_Params):
    """N折: pay `pay_percent`% (80 = 8折), at most `cap` off; sitewide when the scope is all."""

    pay_percent: PayPercent
    cap: PositiveFen | None = None
    min_spend: Fen = 0


class ThresholdTiers(_Params):
    """满300减50, 满500减100: the highest tier reached applies."""

    tiers: list[tuple[PositiveFen, PositiveFen]] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _ascending(self) -> ThresholdTiers:
        for spend, off in self.tiers:
            if off > spend:
                raise ValueError(OFF_OVER_SPEND)
        for (spend_a, off_a), (spend_b, off_b) in zip(self.tiers, self.tiers[1:], strict=False):
            if spend_b <= spend_a or off_b <= off_a:
                raise ValueError(TIERS_ASCENDING)
        return self


class ThresholdRepeat(_Params):
    """每满200减20: ¥`repeat_off` off for every full ¥`repeat_every`, at most `cap`."""

    repeat_every: PositiveFen
    repeat_off: PositiveFen
    cap: PositiveFen | None = None

    @model_validator(mode="after")
    def _off_within_step(self) -> ThresholdRepeat:
        if self.repeat_off > self.repeat_every:
            raise ValueError(OFF_OVER_SPEND)
        return self


class Gift(_Params):
    """满X赠: `quantity` of the gift SKU at zero once the in-scope spend reaches `min_spend`."""

    min_spend: Fen = 0
    gift_sku_id: Annotated[int, Field(gt=0, strict=True)]
    quantity: Count = 1


class BuyXGetY(_Params):
    """Buy `buy`, get `get`: the cheapest `get` of every `buy + get` units pay
    `get_pay_percent`% (0 = free)."""

    buy: Count
    get: Count
    get_pay_percent: Annotated[int, Field(ge=0, le=99, strict=True)] = 0


class ByTier(_Params):
    """Member price, or 会员折上折 (member extra): each listed tier pays its percentage."""

    pay_percent_by_tier: dict[str, PayPercent]

    @model_validator(mode="after")
    def _known_tiers(self) -> ByTier:
        if not self.pay_percent_by_tier:
            raise ValueError(NEEDS_A_TIER)
        if set(self.pay_percent_by_tier) - set(MEMBER_TIERS):
            raise ValueError(UNKNOWN_TIER)
        return self


class FixedPrice(_Params):
    """Clearance or special price per unit: `price` for every in-scope SKU, or `sku_prices`
    {sku id: fen} for some (a listed SKU's own price wins)."""

    price: PositiveFen | None = None
    sku_prices: dict[str, PositiveFen] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _some_price(self) -> FixedPrice:
        if self.price is None and not self.sku_prices:
            raise ValueError(NEEDS_A_PRICE)
        if any(not key.isdigit() or int(key) <= 0 for key in self.sku_prices):
            raise ValueError("SKU prices are keyed by SKU id.")
        return self


class FreeShipping(_Params):
    """包邮 once the in-scope spend reaches `min_spend`."""

    min_spend: Fen = 0


SCHEMAS: dict[OfferKind, tuple[type[_Params], ...]] = {
    OfferKind.AMOUNT_OFF: (AmountOff,),
    OfferKind.PERCENT_OFF: (PercentOff,),
    OfferKind.THRESHOLD: (ThresholdTiers, ThresholdRepeat),
    OfferKind.GIFT: (Gift,),
    OfferKind.BUY_X_GET_Y: (BuyXGetY,),
    OfferKind.MEMBER_PRICE: (ByTier,),
    OfferKind.MEMBER_EXTRA: (ByTier,),
    OfferKind.FIXED_PRICE: (FixedPrice,),
    OfferKind.FREE_SHIPPING: (FreeShipping,),
}


def _schema_for(kind: OfferKind, data: dict[str, Any]) -> type[_Params]:
    if kind == OfferKind.THRESHOLD and "repeat_every" in data:
        return ThresholdRepeat
    return SCHEMAS[kind][0]


def _fields(exc: ValidationError) -> dict[str, str]:
    """{"tiers": "message", "pay_percent_by_tier.gold": "message"}; the first error per field.
    A cross-field error has no location of its own and is reported under "params"."""
    out: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        # Tuples inside lists add positions ("tiers.0.1"); the form shows errors per param.
        name = loc[0] if loc else "params"
        if len(loc) > 1 and loc[0] == "pay_percent_by_tier":
            name = ".".join(loc[:2])
        message = error["msg"].removeprefix("Value error, ")
        out.setdefault(name, message)
    return out


def validate_params(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The params of an offer of `kind`, checked and normalised (defaults filled, no unknown
    keys, no None values), ready to store. Raises `offer_params_invalid` with per-field
    messages in `extra["fields"]`."""
    try:
        offer_kind = OfferKind(kind)
    except ValueError:
        raise ValidationFailed(
            "Unknown offer kind.", code="offer_kind_invalid", extra={"fields": {"kind": kind}}
        ) from None
    if not isinstance(data, dict):
        raise ValidationFailed(
            "Offer params must be an object.",
            code="offer_params_invalid",
            extra={"fields": {"params": "Offer params must be an object."}},
        )
    schema = _schema_for(offer_kind, data)
    try:
        model = schema.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            "Check the offer's settings.",
            code="offer_params_invalid",
            extra={"fields": _fields(exc)},
        ) from None
    dumped = model.model_dump(exclude_none=True)
    if "tiers" in dumped:
        dumped["tiers"] = [list(tier) for tier in dumped["tiers"]]
    if "sku_prices" in dumped and not dumped["sku_prices"]:
        del dumped["sku_prices"]
    return dumped
