"""Endless aisle at the till (/api/v1/pos/endless-aisle): order for a shopper from another
store's stock, shipped to them, credited to this store; the shipping store's till marks it
shipped. Idempotent by Idempotency-Key (and the receipt number)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Router, Schema, Status

from omniloop.api.auth import TokenAuth, actor_of
from omniloop.api.idempotent import respond_idempotently
from omniloop.api.schemas import ErrorOut, Strict
from omniloop.orders.endless_aisle import EndlessAisleInput, endless_aisle_order, endless_aisle_ship
from omniloop.orders.online_values import AddressInput
from omniloop.stores.models import Store

router = Router(tags=["till"])
ERRORS: dict[int, Any] = {c: ErrorOut for c in (400, 401, 403, 404, 409, 422, 429)}


class AisleLineIn(Strict):
    sku: str = Field(..., min_length=1, max_length=48)
    quantity: int = Field(..., ge=1, le=99)


class AddressIn(Strict):
    recipient: str = Field(..., max_length=50)
    phone: str = Field(..., max_length=32)
    region: str = Field(..., max_length=100)
    line: str = Field(..., max_length=200)
    postcode: str = Field("", max_length=12)


class EndlessAisleIn(Strict):
    receipt_no: str = Field(..., min_length=1, max_length=48)
    lines: list[AisleLineIn] = Field(..., min_length=1, max_length=50)
    address: AddressIn
    from_store: str = Field("", max_length=32, description="Ship from this store (else the first)")
    member_code: str | None = Field(None, max_length=16)
    phone: str | None = Field(None, max_length=32)
    assistant: str | None = Field(None, max_length=64)


class EndlessAisleOut(Schema):
    number: str
    status: str
    total: Decimal
    ships_from: str
    credited_store: str | None


def _out(order: Any) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status,
        "total": str(order.total),
        "ships_from": order.store.code,
        "credited_store": order.credited_store.code if order.credited_store_id else None,
    }


@router.post(
    "/endless-aisle",
    auth=TokenAuth(scope="pos.endless_aisle"),
    response={201: EndlessAisleOut, **ERRORS},
    summary="Order for a shopper from another store's stock (paid here, shipped from there)",
)
def create(
    request: HttpRequest,
    response: HttpResponse,
    body: EndlessAisleIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status:
    store: Store = request.api_token.store  # type: ignore[attr-defined]  # loaded with the token
    actor_of(request)

    def handler() -> tuple[int, dict[str, Any]]:
        order = endless_aisle_order(
            store=store,
            data=EndlessAisleInput(
                receipt_no=body.receipt_no,
                items=tuple((li.sku, li.quantity) for li in body.lines),
                address=AddressInput(**body.address.model_dump()),
                from_store=body.from_store,
                member_code=body.member_code,
                phone=body.phone,
                assistant=body.assistant,
            ),
        )
        return 201, _out(order)

    return respond_idempotently(request, response, key=idempotency_key, handler=handler)


@router.post(
    "/endless-aisle/{number}/ship",
    auth=TokenAuth(scope="pos.endless_aisle"),
    response={200: EndlessAisleOut, **ERRORS},
    summary="This store shipped an endless-aisle order (its held stock leaves)",
)
def ship(request: HttpRequest, number: str) -> Any:
    return _out(endless_aisle_ship(actor=actor_of(request), order_number=number))
