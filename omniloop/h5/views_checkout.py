"""Checkout (下单), payment hand-off (支付) and the member's orders, in either mall."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.h5.cart_session import shopper_items
from omniloop.h5.checkout_points import points_choice, points_from_form
from omniloop.h5.codes import scalable_svg
from omniloop.h5.errors import error_context, error_page
from omniloop.h5.mall import mall_of, mall_redirect, mall_url
from omniloop.h5.order_labels import CHECKOUT_ERRORS, FULFILMENT, STATUS
from omniloop.h5.quote_view import cart_view
from omniloop.h5.session import AFTER_JOIN_KEY, SCENE_AT_KEY, SCENE_KEY, session_member
from omniloop.members.models import Member
from omniloop.orders.online import (
    checkout_quote,
    online_order_place,
    pickup_code_for,
    pickup_stores_for,
)
from omniloop.orders.online_selectors import member_order_get, member_order_list
from omniloop.orders.online_values import AddressInput, CheckoutInput, FulfilmentChoice
from omniloop.orders.payments.registry import default_provider_name
from omniloop.orders.payments.services import payment_start
from omniloop.promotions.models import Coupon
from omniloop.promotions.selectors import member_wallet
from omniloop.touchpoints.qr import qr_svg

ADDRESS_FIELDS = ("recipient", "phone", "region", "line", "postcode")


def _checkout_error(exc: ApplicationError) -> dict[str, object]:
    ctx = error_context(exc)
    message = CHECKOUT_ERRORS.get(exc.code)
    if message is not None:
        ctx["message"] = str(message)
    return ctx


def _form(request: HttpRequest) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else request.GET
    fulfilment = data.get("fulfilment", FulfilmentChoice.SHIP)
    return {
        "fulfilment": FulfilmentChoice(fulfilment)
        if fulfilment in FulfilmentChoice._value2member_map_
        else FulfilmentChoice.SHIP,
        "coupons": [c.strip()[:32] for c in data.getlist("coupon") if c.strip()][:5],
        "pickup_store": data.get("pickup_store", "")[:32],
        "address": {f: data.get(f, "").strip()[:200] for f in ADDRESS_FIELDS},
        "token": data.get("token") or secrets.token_urlsafe(18),
        "expected_total": data.get("expected_total", ""),
        "points": points_from_form(data.get("points", "")),
    }


def _join_first(request: HttpRequest) -> HttpResponse:
    request.session[AFTER_JOIN_KEY] = mall_url(request, "checkout")
    return mall_redirect(request, "join")


def _render(
    request: HttpRequest,
    member: Member,
    items: list[tuple[str, int]],
    form: dict[str, Any],
    error: dict[str, object] | None = None,
    status: int = 200,
) -> HttpResponse:
    priced = checkout_quote(
        items=items,
        mall=mall_of(request),
        member=member,
        coupon_codes=form["coupons"],
        fulfilment=form["fulfilment"],
    )
    problems = {p.code: p.reason for p in priced.coupon_problems}
    problems.update(dict(priced.coupons_not_applied))
    wallet = member_wallet(member_id=member.pk, at=clock.now()).usable
    return render(
        request,
        "h5/checkout.html",
        {
            "member": member,
            "cart": cart_view(priced),
            "form": form,
            "wallet": _wallet_options(request, member, items, form, wallet, problems),
            "stores": pickup_stores_for(items=items),
            "points": points_choice(member=member, total=priced.total, points=form["points"]),
            "error": error,
        },
        status=status,
    )


def _recent_scene(request: HttpRequest) -> str | None:
    """The scene this browser last scanned, if within the scan-to-buy window: a tag scanned
    in a store last month does not make today's order a scan-to-buy."""
    scene, at = request.session.get(SCENE_KEY), request.session.get(SCENE_AT_KEY)
    if not scene or not isinstance(at, str):
        return None
    try:
        scanned = datetime.fromisoformat(at)
    except ValueError:
        return None
    window = timedelta(hours=settings.OMNILOOP_SCAN_TO_BUY_HOURS)
    return str(scene) if clock.now() - scanned <= window else None


@dataclass(frozen=True)
class WalletOption:
    code: str
    name: str
    saving: Decimal | None  # what it alone takes off this order; None when it does not apply
    reason: str  # why not, when it does not


WALLET_PREVIEW = 8  # coupons priced one by one for the picker


def _wallet_options(
    request: HttpRequest,
    member: Member,
    items: list[tuple[str, int]],
    form: dict[str, Any],
    wallet: list[Coupon],
    problems: dict[str, str],
) -> list[WalletOption]:
    """The wallet's usable coupons with what each alone would save on this order (the engine's
    quote with that one code), so the member sees which apply before choosing."""
    mall = mall_of(request)
    base = checkout_quote(
        items=items, mall=mall, member=member, coupon_codes=[], fulfilment=form["fulfilment"]
    ).total
    out = []
    for coupon in wallet[:WALLET_PREVIEW]:
        alone = checkout_quote(
            items=items,
            mall=mall,
            member=member,
            coupon_codes=[coupon.code],
            fulfilment=form["fulfilment"],
        )
        reason = (
            problems.get(coupon.code)
            or next((p.reason for p in alone.coupon_problems), "")
            or next((r for _, r in alone.coupons_not_applied), "")
        )
        saving = base - alone.total if not reason and alone.coupons_used else None
        out.append(WalletOption(coupon.code, coupon.template.name, saving, reason))
    return out


def _expected(raw: str) -> Decimal | None:
    try:
        return Decimal(raw) if raw else None
    except InvalidOperation:
        return None


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    member = session_member(request)
    if member is None:
        return _join_first(request)
    form = _form(request)
    placed_before = _placed(request).get(form["token"])
    if request.method == "POST" and placed_before:
        # The same form again (a double tap after the first placed the order and emptied the
        # cart): on to that order's payment, as the first answer did.
        return _start_payment(request, member, placed_before)
    items = shopper_items(request, member)
    if not items:
        return mall_redirect(request, "cart")
    if request.method == "GET" or request.POST.get("action") != "place":
        try:
            return _render(request, member, items, form)
        except ApplicationError as exc:
            return error_page(request, exc)
    data = CheckoutInput(
        items=tuple(items),
        fulfilment=form["fulfilment"],
        mall=mall_of(request),
        address=AddressInput(**form["address"]),
        pickup_store=form["pickup_store"],
        coupon_codes=tuple(form["coupons"]),
        scene=_recent_scene(request),
        expected_total=_expected(form["expected_total"]),
        points=form["points"],
    )
    try:
        placed = online_order_place(
            member=member,
            data=data,
            form_token=form["token"],
            client_key=request.META.get("REMOTE_ADDR", ""),
        )
    except ApplicationError as exc:
        form["token"] = (
            secrets.token_urlsafe(18) if exc.code == "idempotency_key_reused" else form["token"]
        )
        try:
            return _render(request, member, items, form, _checkout_error(exc), exc.status)
        except ApplicationError as again:
            return error_page(request, again)
    placed_tokens = _placed(request)
    placed_tokens[form["token"]] = placed.order_number
    request.session[PLACED_KEY] = dict(list(placed_tokens.items())[-PLACED_KEEP:])
    return _start_payment(request, member, placed.order_number)


PLACED_KEY = "h5_placed"  # form token -> order number, for the last few checkouts
PLACED_KEEP = 5


def _placed(request: HttpRequest) -> dict[str, str]:
    raw = request.session.get(PLACED_KEY)
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _start_payment(request: HttpRequest, member: Member, number: str) -> HttpResponse:
    """On to the provider for a pending order (the order page for any other)."""
    try:
        order = member_order_get(member_id=member.pk, number=number)
        if order.status != "pending":
            return mall_redirect(request, "order", number)
        start = payment_start(
            order=order,
            provider_name=default_provider_name(),
            return_url=mall_url(request, "order", number),
        )
    except ApplicationError as exc:
        return error_page(request, exc)
    return HttpResponseRedirect(start.redirect_url)


@require_POST
def pay(request: HttpRequest, number: str) -> HttpResponse:
    member = session_member(request)
    if member is None:
        return mall_redirect(request, "join")
    return _start_payment(request, member, number[:32])


@require_safe
def orders(request: HttpRequest) -> HttpResponse:
    member = session_member(request)
    if member is None:
        return mall_redirect(request, "join")
    return render(
        request,
        "h5/orders.html",
        {"member": member, "orders": member_order_list(member_id=member.pk), "labels": STATUS},
    )


@require_safe
def order(request: HttpRequest, number: str) -> HttpResponse:
    member = session_member(request)
    if member is None:
        return mall_redirect(request, "join")
    try:
        found = member_order_get(member_id=member.pk, number=number[:32])
    except ApplicationError as exc:
        return error_page(request, exc)
    code = qr = None
    if found.fulfilment == "pickup" and found.status in ("paid", "ready"):
        code = pickup_code_for(order_number=found.number)
        qr = scalable_svg(qr_svg(code, scale=5))
    address = getattr(found, "address", None) if found.fulfilment != "pickup" else None
    return render(
        request,
        "h5/order.html",
        {
            "member": member,
            "order": found,
            "labels": STATUS,
            "fulfilment": FULFILMENT.get(found.fulfilment, found.fulfilment),
            "pickup_code": code,
            "pickup_qr": qr,
            "address": address,
        },
    )
