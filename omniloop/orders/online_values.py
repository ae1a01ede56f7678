"""Values an online checkout takes and gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from omniloop.stores.models import Store


class Mall(StrEnum):
    """Which of our online channels a page is served in: the WeChat mall (微商城, `/m/`) or the
    web mall (官网商城, `/shop/`)."""

    WECHAT = "wechat_mall"
    WEB = "web_mall"


class FulfilmentChoice(StrEnum):
    SHIP = "ship"  # ship to home
    PICKUP = "pickup"  # pick up in store (到店自提)


@dataclass(frozen=True)
class AddressInput:
    recipient: str = ""
    phone: str = ""
    region: str = ""
    line: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class CheckoutInput:
    items: tuple[tuple[str, int], ...]
    fulfilment: FulfilmentChoice
    mall: Mall = Mall.WECHAT
    address: AddressInput | None = None
    pickup_store: str = ""  # store code
    coupon_codes: tuple[str, ...] = ()
    scene: str | None = None  # the last QR scene this browser came through
    expected_total: Decimal | None = None  # what the page showed; a changed price is refused
    points: int = 0  # points to pay part of it with (ADR 15's rules, as at the till)


@dataclass(frozen=True)
class PickupOption:
    store: Store
    available: bool


@dataclass(frozen=True)
class PlacedOrder:
    order_number: str
    total: Decimal
    replayed: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
