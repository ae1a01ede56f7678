"""Online orders from the member malls (微商城 and 官网商城): checkout quotes and placement.

`online_order_place` prices through `promotions.pricing.quote` exactly as the till does (same
basket, same state, the mall's channel rules; no store: online prices are the brand's), holds
the single-use coupons it priced in under the order number, creates the order pending with its
lines and first status row, and decides the flow and credit:
- `scan_to_buy` when this browser's last scan was a product tag in a store: credited to the
  tag's store and assistant (`attribution.credit_for_scan_to_buy`), `Order.touchpoint` set;
- `pickup` when the shopper picks up in store; `ship_from_store` when routing (`orders.routing`)
  sends a ship-to-home order to a store that holds the basket; `online` otherwise; all three
  credited by the member's binding (`attribution.credit_for_online_sale`).
A pickup order gets a 6-digit code: only its keyed hash is stored; the member's order page
derives the code again from the order number with the server's key (`pickup_code_for`).
Placement runs once per form token (`core.idempotency`): a double submit makes one order."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from omniloop.attribution.services import credit_for_online_sale, credit_for_scan_to_buy
from omniloop.attribution.values import SaleCredit
from omniloop.catalog.models import Sku
from omniloop.core import clock, crypto
from omniloop.core.errors import ApplicationError, Conflict, ValidationFailed
from omniloop.core.idempotency import run_idempotent
from omniloop.core.phones import parse_phone
from omniloop.inventory.selectors import stores_with_stock
from omniloop.inventory.services import ReserveLine, stock_reserve
from omniloop.members.models import Member
from omniloop.orders.cart import cart_remove_ordered
from omniloop.orders.models import Order, OrderAddress, OrderLine
from omniloop.orders.online_settle import order_mark_paid
from omniloop.orders.online_values import (
    AddressInput,
    CheckoutInput,
    FulfilmentChoice,
    Mall,
    PickupOption,
    PlacedOrder,
)
from omniloop.orders.order_coupons import order_coupons_record
from omniloop.orders.points import order_points_burn, points_payment_check
from omniloop.orders.routing import KIND as ROUTED_KIND
from omniloop.orders.routing import route_shipment
from omniloop.orders.services import _order_lines, _refuse_coupons, new_order_number
from omniloop.orders.status import status_record_initial
from omniloop.promotions.coupons import coupons_reserve
from omniloop.promotions.money import to_yuan
from omniloop.promotions.priced import PricedQuote
from omniloop.promotions.pricing import quote
from omniloop.stores.models import SalesChannel, Store
from omniloop.touchpoints.models import Touchpoint
from omniloop.touchpoints.services import scene_resolve

_DEFAULT_CHANNELS = {
    Mall.WECHAT: ("wechat-mall", "微商城", "WeChat mall"),
    Mall.WEB: ("web-mall", "官网商城", "Web mall"),
}


def mall_channel(*, mall: Mall) -> SalesChannel:
    """The mall's sales channel: the first active one of its kind by code, created on first
    use with the default code (`wechat-mall`, `web-mall`) when the brand has none."""
    found = SalesChannel.objects.filter(kind=mall.value, active=True).order_by("code").first()
    if found is not None:
        return found
    code, name, name_en = _DEFAULT_CHANNELS[mall]
    channel, _ = SalesChannel.objects.get_or_create(
        code=code, defaults={"name": name, "name_en": name_en, "kind": mall.value}
    )
    return channel


def shipping_fee(*, fulfilment: FulfilmentChoice) -> Decimal:
    """The fee before offers: flat for shipping home, none for pickup. A free-shipping offer
    (包邮) takes it off in the engine."""
    if fulfilment == FulfilmentChoice.PICKUP:
        return Decimal("0.00")
    return Decimal(settings.OMNILOOP_SHIPPING_FEE).quantize(Decimal("0.01"))


def checkout_quote(
    *,
    items: list[tuple[str, int]],
    mall: Mall,
    member: Member | None,
    coupon_codes: list[str],
    fulfilment: FulfilmentChoice = FulfilmentChoice.SHIP,
    client_key: str | None = None,
) -> PricedQuote:
    """The cart or checkout priced by the one engine, in the mall's channel. Reads only."""
    return quote(
        items=items,
        channel_code=mall_channel(mall=mall).code,
        store_id=None,
        member_id=member.pk if member else None,
        tier=member.tier if member else None,
        coupon_codes=coupon_codes,
        shipping=shipping_fee(fulfilment=fulfilment),
        client_key=client_key,
    )


def _sku_quantities(items: list[tuple[str, int]]) -> dict[int, int]:
    """SKU id -> quantity wanted, the basket's lines named by SKU code or barcode."""
    codes = [code for code, _ in items]
    found = Sku.objects.filter(Q(sku_code__in=codes) | Q(barcode__in=codes))
    by_code: dict[str, int] = {}
    for pk, sku_code, barcode in found.values_list("pk", "sku_code", "barcode"):
        by_code[sku_code] = by_code[barcode] = pk
    wanted: dict[int, int] = {}
    for code, quantity in items:
        if code in by_code:
            wanted[by_code[code]] = wanted.get(by_code[code], 0) + quantity
    return wanted


def pickup_stores_for(*, items: list[tuple[str, int]]) -> list[PickupOption]:
    """Open stores, each with whether it has the whole basket in stock now (inventory's
    available = on hand - reserved); stores that can serve it first."""
    able = {s.store.pk for s in stores_with_stock(sku_quantities=_sku_quantities(items))}
    stores = Store.objects.filter(status="open").order_by("code")
    options = [PickupOption(store=s, available=s.pk in able) for s in stores]
    return sorted(options, key=lambda o: not o.available)


def pickup_code_for(*, order_number: str) -> str:
    """The order's 6-digit pickup code (取货码), derived with the server's key, so only its
    hash is stored and the member's page can still show it."""
    digest = crypto.blind_index(order_number, purpose="pickup_code")
    return f"{int(digest[:15], 16) % 1_000_000:06d}"


def pickup_code_hash(code: str) -> str:
    """What `Order.pickup_code_hash` holds: a keyed hash of the code (a dump cannot be
    brute-forced without the key). The till compares the hash of the code it is shown."""
    return crypto.blind_index(code.strip(), purpose="pickup_code_hash")


def address_clean(data: AddressInput) -> tuple[AddressInput, str, bytes]:
    """A delivery address checked and tidied, with the phone masked and encrypted (its plain
    form is not kept): the mall's checkout and the till's endless-aisle orders."""

    def need(value: str, field: str, low: int, high: int) -> str:
        text = " ".join(value.split())
        if not low <= len(text) <= high:
            raise ValidationFailed(
                f"{field} is {low}-{high} characters.",
                code="address_invalid",
                extra={"field": field},
            )
        return text

    phone = parse_phone(data.phone)
    clean = AddressInput(
        recipient=need(data.recipient, "recipient", 1, 50),
        phone="",
        region=need(data.region, "region", 2, 100),
        line=need(data.line, "line", 4, 200),
        postcode=need(data.postcode, "postcode", 0, 12),
    )
    return clean, phone.masked, phone.encrypt()


def _scan_credit(scene: str | None, member: Member) -> tuple[SaleCredit, int] | None:
    """Credit by the product tag this browser scanned in a store, if that is how it came."""
    if not scene:
        return None
    try:
        ctx = scene_resolve(scene=scene)
    except ApplicationError:
        return None  # a retired tag: an ordinary online order
    if ctx.kind != Touchpoint.Kind.PRODUCT_TAG or ctx.store_id is None:
        return None
    credit = credit_for_scan_to_buy(
        member=member, store_id=ctx.store_id, assistant_id=ctx.assistant_id
    )
    return credit, ctx.touchpoint_id


def _flow(data: CheckoutInput, member: Member) -> tuple[str, SaleCredit | None, int | None]:
    scanned = _scan_credit(data.scene, member)
    if scanned is not None:
        credit, touchpoint_id = scanned
        return Order.Flow.SCAN_TO_BUY, credit, touchpoint_id
    flow = Order.Flow.PICKUP if data.fulfilment == FulfilmentChoice.PICKUP else Order.Flow.ONLINE
    return flow, credit_for_online_sale(member=member), None


def _line_quantities(order: Order) -> dict[int, int]:
    out: dict[int, int] = {}
    for sku_id, quantity in order.lines.values_list("sku_id", "quantity"):
        out[sku_id] = out.get(sku_id, 0) + quantity
    return out


def _pickup_store(data: CheckoutInput) -> Store | None:
    if data.fulfilment != FulfilmentChoice.PICKUP:
        return None
    for option in pickup_stores_for(items=list(data.items)):
        if option.store.code == data.pickup_store and option.available:
            return option.store
    raise ValidationFailed("Choose a store to pick up from.", code="pickup_store_unavailable")


def _ship_from_store(
    data: CheckoutInput, number: str, credit: SaleCredit | None, region: str, at: datetime
) -> Store | None:
    """The store routing picks for a ship-to-home order, with the basket held there under the
    order number; None (the warehouse ships) when none can, or its stock went meanwhile."""
    quantities = _sku_quantities(list(data.items))
    route = route_shipment(
        sku_quantities=quantities,
        bound_store_id=credit.store_id if credit else None,
        region=region,
    )
    if route is None:
        return None
    try:
        with transaction.atomic():
            stock_reserve(
                store_id=route.store.pk,
                lines=[ReserveLine(sku_id=k, quantity=v) for k, v in quantities.items()],
                kind=ROUTED_KIND,
                reference=number,
                expires_at=at + timedelta(minutes=settings.OMNILOOP_PAYMENT_TIMEOUT_MINUTES + 5),
                at=at,
            )
    except Conflict:  # sold meanwhile: the warehouse ships it
        return None
    return route.store


def _place(member: Member, data: CheckoutInput, client_key: str | None) -> Order:
    if not data.items:
        raise ValidationFailed("The cart is empty.", code="basket_empty")
    store = _pickup_store(data)
    address = address_clean(data.address or AddressInput()) if store is None else None
    at = clock.now()
    channel = mall_channel(mall=data.mall)
    priced = checkout_quote(
        items=list(data.items),
        mall=data.mall,
        member=member,
        coupon_codes=list(data.coupon_codes),
        fulfilment=data.fulfilment,
        client_key=client_key,
    )
    _refuse_coupons(priced)
    if data.expected_total is not None and data.expected_total != priced.total:
        raise Conflict(
            f"The total is now {priced.total}.",
            code="checkout_total_changed",
            extra={"expected_total": str(priced.total)},
        )
    paid_by_points = points_payment_check(points=data.points, member=member, total=priced.total)
    flow, credit, touchpoint_id = _flow(data, member)
    q = priced.quote
    number = new_order_number(at)
    shipper = None
    if address is not None and flow == Order.Flow.ONLINE:
        shipper = _ship_from_store(data, number, credit, address[0].region, at)
        if shipper is not None:
            flow = Order.Flow.SHIP_FROM_STORE
    if store is not None:
        fulfilment = Order.Fulfilment.PICKUP
    elif shipper is not None:
        fulfilment = Order.Fulfilment.STORE_SHIP
    else:
        fulfilment = Order.Fulfilment.WAREHOUSE
    order = Order.objects.create(
        number=number,
        channel=channel,
        store=store or shipper,
        member=member,
        credited_store_id=credit.store_id if credit else None,
        credited_assistant_id=credit.assistant_id if credit else None,
        credit_rule=credit.rule if credit else "online_unbound",
        flow=flow,
        fulfilment=fulfilment,
        touchpoint_id=touchpoint_id,
        total=priced.total,
        discount_total=priced.discount_total,
        shipping_fee=to_yuan(q.shipping - q.shipping_discount),
        points_redeemed=data.points,
        points_value=paid_by_points,
        status=Order.Status.PENDING,
        pickup_code_hash=pickup_code_hash(pickup_code_for(order_number=number)) if store else "",
        ordered_at=at,
    )
    OrderLine.objects.bulk_create(_order_lines(order, priced))
    status_record_initial(order=order)
    if address is not None:
        clean, masked, encrypted = address
        OrderAddress.objects.create(
            order=order,
            recipient=clean.recipient,
            phone_encrypted=encrypted,
            phone_masked=masked,
            region=clean.region,
            line=clean.line,
            postcode=clean.postcode,
        )
    used = priced.coupons_used
    order_coupons_record(order=order, priced=priced)
    if store is not None:  # the goods are held at the pickup store until paid, then collected
        stock_reserve(
            store_id=store.pk,
            lines=[ReserveLine(sku_id=k, quantity=v) for k, v in _line_quantities(order).items()],
            kind="pickup",
            reference=number,
            expires_at=at + timedelta(minutes=settings.OMNILOOP_PAYMENT_TIMEOUT_MINUTES + 5),
            at=at,
        )
    singles = [c.code for c, _ in used if c.coupon_id is not None and c.code]
    if singles:
        coupons_reserve(codes=singles, member_id=member.pk, ref=number, at=at)
    if data.points:  # burned now (refused whole if short); given back if it is never paid
        order_points_burn(number=number, member=member, points=data.points, at=at)
    cart_remove_ordered(member_id=member.pk, sku_codes=priced.basket.sku_codes)
    if order.total == order.points_value:
        order_mark_paid(order=order, at=at, note="nothing to pay")
    return order


def online_order_place(
    *,
    member: Member,
    data: CheckoutInput,
    form_token: str,
    client_key: str | None = None,
) -> PlacedOrder:
    """Place `member`'s online order once per `form_token` (a replay answers the first order);
    refused input raises its `ApplicationError` and writes nothing."""
    if member.status != Member.Status.ACTIVE:
        raise ValidationFailed("Join or log in to order.", code="member_required")

    def handler() -> tuple[int, dict[str, object]]:
        order = _place(member, data, client_key)
        return 201, {"order": order.number, "total": str(order.total)}

    with transaction.atomic():
        result = run_idempotent(
            scope=f"mall-checkout:{member.pk}",
            key=form_token,
            method="POST",
            path="/checkout",
            payload=data,
            handler=handler,
        )
    return PlacedOrder(
        order_number=str(result.body["order"]),
        total=Decimal(str(result.body["total"])),
        replayed=result.replayed,
    )
