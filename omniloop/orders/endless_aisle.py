"""Endless aisle (无限货架 / 云货架): the size is not on this store's shelf, so the assistant
orders it at the till or tablet from another store's stock, shipped to the shopper, and the
sale is this store's (ADR 19's endless-aisle rule: 100% to the ordering store).

- Priced by the one engine exactly as a till sale here (the till channel, this store's
  offers and time zone); the shopper pays at this till, so the order is paid at once.
- The ordering store is recorded as the ordering touchpoint (the assistant's card when the
  assistant has one at this store, else the store's counter), and credited as a till sale here
  (`attribution.credit_for_till_sale`). The fulfilling store is the one that ships.
- The goods are held at the shipping store (`endless_aisle` reservation under the order number,
  no expiry) until it ships them (`endless_aisle_ship`: consumed, the order shipped); a cancel
  before that releases them (`orders.cancel`).
- Refusals, each writing nothing: endless_aisle_same_store, endless_aisle_no_stock,
  store_unknown, receipt_required (422); receipt_duplicate, stock_insufficient (409)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from omniloop.accounts.access import Actor
from omniloop.accounts.selectors import assistant_for_store
from omniloop.attribution.services import credit_for_till_sale
from omniloop.core import clock
from omniloop.core.errors import Conflict, ValidationFailed
from omniloop.inventory.selectors import stores_with_stock
from omniloop.inventory.services import ReserveLine, stock_reserve
from omniloop.members.models import Member
from omniloop.members.selectors import member_identify
from omniloop.orders.events import order_paid
from omniloop.orders.models import Order, OrderAddress, OrderLine
from omniloop.orders.online import address_clean
from omniloop.orders.online_values import AddressInput
from omniloop.orders.points import order_points_earn_paid
from omniloop.orders.services import _order_lines, new_order_number
from omniloop.orders.shipping import store_order_ship
from omniloop.orders.status import order_transition, status_record_initial
from omniloop.promotions.pricing import quote
from omniloop.stores.models import Store
from omniloop.stores.selectors import channel_for_store_till
from omniloop.touchpoints.models import Touchpoint

KIND = "endless_aisle"


@dataclass(frozen=True)
class EndlessAisleInput:
    receipt_no: str
    items: tuple[tuple[str, int], ...]  # (SKU code or barcode, quantity)
    address: AddressInput
    from_store: str = ""  # the shipping store's code; the first that has it all, if empty
    member_code: str | None = None
    phone: str | None = None
    assistant: str | None = None  # staff code of the assistant serving


def _ordering_touchpoint(store: Store, assistant_id: int | None) -> Touchpoint:
    live = Touchpoint.objects.filter(store=store, active=True).order_by("pk")
    found = None
    if assistant_id is not None:
        found = live.filter(kind=Touchpoint.Kind.ASSISTANT_CARD, assistant_id=assistant_id).first()
    found = found or live.filter(kind=Touchpoint.Kind.STORE_COUNTER).first()
    if found is not None:
        return found
    from omniloop.touchpoints.services import touchpoint_create

    return touchpoint_create(kind=Touchpoint.Kind.STORE_COUNTER, store_id=store.pk, label="Till")


def _source(ordering: Store, wanted: dict[int, int], code: str) -> Store:
    if code.strip():
        if code.strip() == ordering.code:
            raise ValidationFailed(
                "Sell from the shelf: this is the ordering store.", code="endless_aisle_same_store"
            )
        store = Store.objects.filter(code=code.strip()).first()
        if store is None:
            raise ValidationFailed(f"No store {code}.", code="store_unknown")
        return store  # the reservation decides whether it has the goods
    able = [s.store for s in stores_with_stock(sku_quantities=wanted) if s.store != ordering]
    able.sort(key=lambda s: (s.city != ordering.city, s.code))  # the same city first
    if not able:
        raise ValidationFailed(
            "No other store has all of it.", code="endless_aisle_no_stock", status=409
        )
    return able[0]


@transaction.atomic
def endless_aisle_order(*, store: Store, data: EndlessAisleInput) -> Order:
    """The till at `store` orders `data.items` from another store for delivery (see module)."""
    if not data.receipt_no.strip():
        raise ValidationFailed("receipt_no is required.", code="receipt_required")
    member: Member | None = None
    if data.member_code or data.phone:
        member = member_identify(phone=data.phone, member_code=data.member_code)
    assistant = (
        assistant_for_store(store_id=store.pk, assistant_ref=data.assistant)
        if data.assistant
        else None
    )
    assistant_id = assistant.pk if assistant else None
    at = clock.now()
    channel = channel_for_store_till()
    priced = quote(
        items=list(data.items),
        channel_code=channel.code,
        store_id=store.pk,
        member_id=member.pk if member else None,
        tier=member.tier if member else None,
        coupon_codes=[],
        at=at,
        zone=store.tzinfo,
    )
    clean, masked, encrypted = address_clean(data.address)
    credit = credit_for_till_sale(member=member, store_id=store.pk, assistant_id=assistant_id)
    touchpoint = _ordering_touchpoint(store, assistant_id)
    wanted: dict[int, int] = {}
    for sku_id, quantity in [(q.sku_id, q.quantity) for q in priced.quote.lines] + [
        (g.sku_id, g.quantity) for g in priced.quote.gifts if g.sku_id in priced.gift_sku_codes
    ]:
        wanted[sku_id] = wanted.get(sku_id, 0) + quantity
    source = _source(store, wanted, data.from_store)
    try:
        with transaction.atomic():
            order = Order.objects.create(
                number=new_order_number(at),
                channel=channel,
                store=source,
                receipt_no=f"{store.code}/{data.receipt_no.strip()}"[:64],
                member=member,
                credited_store_id=credit.store_id,
                credited_assistant_id=credit.assistant_id,
                credit_rule=credit.rule,
                flow=Order.Flow.ENDLESS_AISLE,
                fulfilment=Order.Fulfilment.STORE_SHIP,
                touchpoint=touchpoint,
                total=priced.total,
                discount_total=priced.discount_total,
                status=Order.Status.PENDING,
                ordered_at=at,
            )
    except IntegrityError as exc:
        raise Conflict("This receipt was already recorded.", code="receipt_duplicate") from exc
    OrderLine.objects.bulk_create(_order_lines(order, priced))
    stock_reserve(
        store_id=source.pk,
        lines=[ReserveLine(sku_id=k, quantity=v) for k, v in sorted(wanted.items())],
        kind=KIND,
        reference=order.number,
        expires_at=None,
        at=at,
    )
    OrderAddress.objects.create(
        order=order,
        recipient=clean.recipient,
        phone_encrypted=encrypted,
        phone_masked=masked,
        region=clean.region,
        line=clean.line,
        postcode=clean.postcode,
    )
    status_record_initial(order=order, note=f"endless aisle at {store.code}")
    order = order_transition(
        order=order, to=Order.Status.PAID, at=at, note="paid at the till", extra={"paid_at": at}
    )
    if member is not None:
        order_points_earn_paid(order, at)
    order_paid(order.pk)  # settlement: 100% to the ordering store by default (ADR 19)
    return order


def endless_aisle_ship(*, actor: Actor, order_number: str, at: datetime | None = None) -> Order:
    """The shipping store sends the goods: the held stock leaves it, the order is shipped.
    Staff and tills reach only their own store's orders (404); shipping again replays."""
    return store_order_ship(
        actor=actor, order_number=order_number, flows=(Order.Flow.ENDLESS_AISLE,), at=at
    )
