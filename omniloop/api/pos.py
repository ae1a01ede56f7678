"""Till endpoints (/api/v1/pos/). Each till's token is bound to one store."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Router, Status

from omniloop.api.auth import TokenAuth, actor_of
from omniloop.api.idempotent import respond_idempotently
from omniloop.api.schemas import (
    DiscountOut,
    ErrorOut,
    IdentifyIn,
    MemberOut,
    PricedLineOut,
    QuoteIn,
    QuoteOut,
    SaleIn,
    SaleOut,
)
from omniloop.api.views_common import member_out
from omniloop.members.models import Member
from omniloop.members.selectors import member_identify
from omniloop.orders.services import till_quote, till_sale_record
from omniloop.orders.values import SaleLineInput, TillSaleInput
from omniloop.promotions.priced import PricedQuote
from omniloop.stores.models import Store

router = Router(tags=["till"])
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


@router.post(
    "/members/identify",
    auth=TokenAuth(scope="pos.members"),
    response={200: MemberOut, **ERRORS},
    summary="Find a member by phone, member code or card number",
)
def identify(request: HttpRequest, body: IdentifyIn) -> MemberOut:
    member = member_identify(
        phone=body.phone, member_code=body.member_code, card_number=body.card_number
    )
    return member_out(member)


def priced_lines(priced: PricedQuote) -> list[dict[str, Any]]:
    y = priced.yuan
    return [
        {
            "sku": code,
            "quantity": q.quantity,
            "unit_price": y(q.unit_price),
            "subtotal": y(q.subtotal),
            "discount": y(q.discount),
            "total": y(q.total),
        }
        for code, q in zip(priced.basket.sku_codes, priced.quote.lines, strict=True)
    ]


def priced_discounts(priced: PricedQuote) -> list[dict[str, Any]]:
    return [
        {
            "offer_id": a.offer_id,
            "name": a.name,
            "amount": priced.yuan(a.amount),
            "shipping": priced.yuan(a.shipping),
            "coupon_code": priced.coupon_code(a),
        }
        for a in priced.quote.applied
    ]


def _quote_out(priced: PricedQuote, member: Member | None) -> dict[str, Any]:
    """Plain data: ninja validates it against QuoteOut once, on the way out."""
    q, y = priced.quote, priced.yuan
    return {
        "member_code": member.code if member else None,
        "lines": priced_lines(priced),
        "subtotal": y(q.subtotal),
        "discount": y(q.discount),
        "discounts": priced_discounts(priced),
        "rejected": [
            {
                "offer_id": r.offer_id,
                "name": priced.offer_name(r),
                "coupon_code": priced.coupon_code(r),
                "reason": r.reason.value,
            }
            for r in q.rejected
        ],
        "coupon_problems": [{"code": p.code, "reason": p.reason} for p in priced.coupon_problems],
        "gifts": [
            {"offer_id": g.offer_id, "sku": priced.gift_sku_codes[g.sku_id], "quantity": g.quantity}
            for g in q.gifts
            if g.sku_id in priced.gift_sku_codes
        ],
        "shipping": y(q.shipping),
        "shipping_discount": y(q.shipping_discount),
        "total": y(q.total),
    }


@router.post(
    "/quote",
    auth=TokenAuth(scope="pos.sales"),
    response={200: QuoteOut, **ERRORS},
    summary="Price a basket as a sale would (no effects): offers, coupons, gifts, total",
)
def quote_basket(request: HttpRequest, body: QuoteIn) -> dict[str, Any]:
    actor = actor_of(request)
    member = None
    if body.member_code or body.phone or body.card_number:
        member = member_identify(
            phone=body.phone, member_code=body.member_code, card_number=body.card_number
        )
    priced = till_quote(
        store_id=actor.own_store_id,
        items=[(li.sku, li.quantity) for li in body.lines],
        member_id=member.pk if member else None,
        tier=member.tier if member else None,
        coupon_codes=body.coupon_codes,
        client_key=actor.label,
        zone=request.api_token.store.tzinfo,  # type: ignore[attr-defined]  # loaded with the token
    )
    return _quote_out(priced, member)


@router.post(
    "/sales",
    auth=TokenAuth(scope="pos.sales"),
    response={201: SaleOut, **ERRORS},
    summary="Record a completed sale (idempotent by Idempotency-Key)",
)
def create_sale(
    request: HttpRequest,
    response: HttpResponse,
    body: SaleIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status:
    actor = actor_of(request)
    store: Store = request.api_token.store  # type: ignore[attr-defined]  # loaded with the token

    def handler() -> tuple[int, SaleOut]:
        sale = TillSaleInput(
            receipt_no=body.receipt_no,
            coupon_codes=tuple(body.coupon_codes),
            ordered_at=body.ordered_at,
            member_code=body.member_code,
            phone=body.phone,
            card_number=body.card_number,
            assistant=body.assistant,
            total=body.total,
            points=body.points,
            lines=tuple(
                SaleLineInput(
                    sku=li.sku,
                    quantity=li.quantity,
                    unit_price=li.unit_price,
                    discount=li.discount,
                    amount=li.amount,
                )
                for li in body.lines
            ),
        )
        # The idempotent call's transaction is the sale's: a refusal rolls back the key row with
        # it, so the sale needs no savepoint of its own (ADR 42).
        order, outcome, priced = till_sale_record(
            store=store, sale=sale, client_key=actor.label, savepoint=False
        )
        out = SaleOut(
            number=order.number,
            receipt_no=order.receipt_no,
            store_code=store.code,
            member_code=order.member.code if order.member else None,
            credited_store_code=order.credited_store.code if order.credited_store else None,
            credited_assistant_code=(
                order.credited_assistant.staff_code if order.credited_assistant else None
            ),
            credit_rule=order.credit_rule,
            binding_decision=outcome.decision.value if outcome else None,
            total=order.total,
            discount_total=order.discount_total,
            points_redeemed=order.points_redeemed,
            points_value=order.points_value,
            to_pay=order.total - order.points_value,
            points_earned=order.points_earned,
            lines=[PricedLineOut.model_validate(x) for x in priced_lines(priced)],
            discounts=[DiscountOut.model_validate(x) for x in priced_discounts(priced)],
            ordered_at=order.ordered_at,
        )
        return 201, out

    return respond_idempotently(request, response, key=idempotency_key, handler=handler)
