from __future__ import annotations

from omniloop.api import (
    coupons,
    errors,
    flash,
    hq,
    listings,
    pickups,
    pos,
    privacy,
    returns,
    segments,
    stock,
    wechat,
)
from omniloop.api.openapi import OmniloopAPI

api = OmniloopAPI(
    title="Omniloop API",
    version="1",
    description="Tills, integrations and the member H5 pages. Errors are "
    '{"error": {"code": "...", "message": "..."}} with a stable code.',
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("/v1/pos/", pos.router)
api.add_router("/v1/pos/", returns.router)
api.add_router("/v1/pos/", pickups.router)
api.add_router("/v1/pos/", stock.till_router)
api.add_router("/v1/", hq.router)
api.add_router("/v1/flash-sales/", flash.router)
api.add_router("/v1/", coupons.router)
api.add_router("/v1/", listings.router)
api.add_router("/v1/", wechat.router)
api.add_router("/v1/", privacy.router)
api.add_router("/v1/", stock.router)
api.add_router("/v1/", segments.router)
