"""Factories for online-order tests: a shop, a member, a checkout, and a paid notification."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Any

from django.test import Client

from omniloop.members.models import Member
from omniloop.orders.models import Order, Payment
from omniloop.orders.online import online_order_place
from omniloop.orders.online_values import AddressInput, CheckoutInput, FulfilmentChoice, Mall
from omniloop.orders.payments import test_provider
from omniloop.orders.payments.services import payment_start

_tokens = itertools.count(1)
ADDRESS = AddressInput(
    recipient="王小明", phone="13800138000", region="上海市 静安区", line="南京西路 1266 号"
)


def token() -> str:
    return f"form-token-{next(_tokens):06d}"


def checkout(
    items: list[tuple[str, int]],
    *,
    fulfilment: FulfilmentChoice = FulfilmentChoice.SHIP,
    mall: Mall = Mall.WECHAT,
    codes: tuple[str, ...] = (),
    pickup_store: str = "",
    scene: str | None = None,
    **kw: Any,
) -> CheckoutInput:
    return CheckoutInput(
        items=tuple(items),
        fulfilment=fulfilment,
        mall=mall,
        address=ADDRESS if fulfilment == FulfilmentChoice.SHIP else None,
        pickup_store=pickup_store,
        coupon_codes=codes,
        scene=scene,
        **kw,
    )


def place(member: Member, data: CheckoutInput, form_token: str | None = None) -> Order:
    placed = online_order_place(member=member, data=data, form_token=form_token or token())
    return Order.objects.get(number=placed.order_number)


def start(order: Order) -> Payment:
    payment_start(order=order, provider_name="test", return_url="/m/orders/x")
    return Payment.objects.filter(order=order).latest("pk")


def signed(
    payment: Payment,
    *,
    status: str = "succeeded",
    amount: Decimal | None = None,
    notification_id: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    body = test_provider.notification_body(
        provider_ref=payment.provider_ref,
        status=status,
        amount=payment.amount if amount is None else amount,
        notification_id=notification_id,
    )
    return body, {test_provider.SIGNATURE_HEADER: test_provider.sign(body)}


def post_notification(client: Client, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(
        "/payments/test/notify",
        data=body,
        content_type="application/json",
        headers=headers,
    )


def payload(response: Any) -> dict[str, Any]:
    return json.loads(response.content)
