"""Stock (门店库存) for tills and HQ integrations: load counts (a snapshot or deltas, all rows or
none, idempotent by Idempotency-Key) and read what each store has available."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Header, Query, Router, Schema
from ninja import Status as NinjaStatus
from pydantic import Field

from omniloop.accounts.models import Role
from omniloop.api.auth import TokenAuth
from omniloop.api.idempotent import respond_idempotently
from omniloop.api.schemas import ErrorOut, Row, Strict
from omniloop.inventory.models import StockSource
from omniloop.inventory.selectors import availability_for
from omniloop.inventory.services import StockRow, stock_load, stock_load_many
from omniloop.stores.models import Store

till_router = Router(tags=["till"])
router = Router(tags=["inventory"])
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}
READERS = (Role.HQ_ADMIN, Role.MARKETER, Role.CS_AGENT)
ON_HAND = "replace: units on hand (0 or more); delta: the change (may be negative)"


class StockRowIn(Strict):
    sku: str = Field(..., min_length=1, max_length=48, description="SKU code or barcode")
    on_hand: int = Field(..., description=ON_HAND)


class TillStockIn(Strict):
    mode: Literal["replace", "delta"] = "replace"
    rows: list[StockRowIn] = Field(..., min_length=1, max_length=5000)


class StoreStockRowIn(StockRowIn):
    store: str = Field(..., min_length=1, max_length=32, description="Store code")


class StockIn(Strict):
    mode: Literal["replace", "delta"] = "replace"
    rows: list[StoreStockRowIn] = Field(..., min_length=1, max_length=20000)


class LoadOut(Schema):
    mode: str
    rows: int
    created: int = Field(..., description="Stock rows new to a store")
    changed: int
    unchanged: int


class AvailableOut(Row):
    store: str
    sku: str
    available: int


class AvailabilityOut(Schema):
    rows: list[AvailableOut]


@till_router.post(
    "/stock",
    auth=TokenAuth(scope="pos.stock"),
    response={200: LoadOut, **ERRORS},
    summary="Load this till's store counts: a snapshot or deltas (all rows or none)",
)
def till_stock(
    request: HttpRequest,
    response: HttpResponse,
    body: TillStockIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> NinjaStatus:
    store: Store = request.api_token.store  # type: ignore[attr-defined]  # loaded with the token

    def handler() -> tuple[int, dict[str, Any]]:
        result = stock_load(
            store=store,
            rows=[StockRow(sku=r.sku, on_hand=r.on_hand) for r in body.rows],
            source=StockSource.TILL,
            mode=body.mode,
        )
        return 200, {"mode": body.mode, **asdict(result)}

    return respond_idempotently(request, response, key=idempotency_key, handler=handler)


@router.post(
    "/inventory",
    auth=TokenAuth(scope="inventory.write"),
    response={200: LoadOut, **ERRORS},
    summary="Load counts for any stores from the ERP: a snapshot or deltas (all rows or none)",
)
def hq_stock(
    request: HttpRequest,
    response: HttpResponse,
    body: StockIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> NinjaStatus:
    def handler() -> tuple[int, dict[str, Any]]:
        result = stock_load_many(
            rows=[StockRow(sku=r.sku, on_hand=r.on_hand, store=r.store) for r in body.rows],
            source=StockSource.ERP,
            mode=body.mode,
        )
        return 200, {"mode": body.mode, **asdict(result)}

    return respond_idempotently(request, response, key=idempotency_key, handler=handler)


class AvailabilityQuery(Schema):
    sku: list[str] = Field(..., description="SKU codes or barcodes (repeat the parameter)")
    store: list[str] | None = Field(None, description="Store codes; every store if left out")
    city: str | None = None


@router.get(
    "/inventory/availability",
    auth=TokenAuth(scope="inventory.read"),
    response={200: AvailabilityOut, **ERRORS},
    # Any till or HQ integration: availability is what shoppers see too.
    summary="Units available (on hand - reserved) per store and SKU",
)
def stock_availability(request: HttpRequest, query: Query[AvailabilityQuery]) -> AvailabilityOut:
    rows = availability_for(sku_refs=query.sku, store_codes=query.store, city=query.city)
    return AvailabilityOut(
        rows=[AvailableOut(store=a.store_code, sku=a.sku_code, available=a.available) for a in rows]
    )
