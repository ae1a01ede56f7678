"""Till endpoints (/api/v1/pos/). Each till's token is bound to one store."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Router, Status

from omniloop.api.auth import TokenAuth, actor_of
from omniloop.api.schemas import ErrorOut, IdentifyIn, MemberOut, SaleIn, SaleOut
from omniloop.api.views_common import member_out
from omniloop.core.idempotency import run_idempotent
from omniloop.members.selectors import member_identify
from omniloop.orders.services import till_sale_record
from omniloop.orders.values import SaleLineInput, TillSaleInput
from omniloop.stores.models import Store

router = Router(tags=["till"], auth=TokenAuth(till=True))
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
    response={200: MemberOut, **ERRORS},
    summary="Find a member by phone, member code or card number",
)
def identify(request: HttpRequest, body: IdentifyIn) -> MemberOut:
    member = member_identify(
        phone=body.phone, member_code=body.member_code, card_number=body.card_number
    )
    return member_out(member)


@router.post(
    "/sales",
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
    store = Store.objects.get(pk=actor.own_store_id)

    def handler() -> tuple[int, dict[str, Any]]:
        sale = TillSaleInput(
            receipt_no=body.receipt_no,
            ordered_at=body.ordered_at,
            member_code=body.member_code,
            phone=body.phone,
            card_number=body.card_number,
            assistant=body.assistant,
            total=body.total,
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
        order, outcome = till_sale_record(store=store, sale=sale)
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
            ordered_at=order.ordered_at,
        )
        return 201, json.loads(out.model_dump_json())

    result = run_idempotent(
        scope=f"token:{actor.token_id}",
        key=idempotency_key,
        method="POST",
        path=request.path,
        payload=json.loads(request.body),
        handler=handler,
    )
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(result.status, result.body)
