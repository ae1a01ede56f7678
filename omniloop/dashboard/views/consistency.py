"""Consistency (一致性): where a channel shows a product differently from the catalog and the
pricing engine (the listings check, R2), filtered by channel and field; and the latest
marketplace orders whose platform prices differ from the engine's, and the coupon codes they
carried that we did not honour (ADR 43)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from omniloop.accounts.access import Actor
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.labels import choices
from omniloop.listings.selectors import listing_drift
from omniloop.listings.values import DriftField
from omniloop.marketplace.selectors import marketplace_coupon_drift, marketplace_drift
from omniloop.stores.selectors import channel_list

PAGE_SIZE = 50


@staff_view("dashboard:consistency")
def consistency(request: HttpRequest, actor: Actor) -> HttpResponse:
    channels = list(channel_list())
    channel = request.GET.get("channel", "")
    channel = channel if channel in {c.code for c in channels} else ""
    field = request.GET.get("field", "")
    field = field if field in {f.value for f in DriftField} else ""
    report = listing_drift(channel_code=channel or None, field=DriftField(field) if field else None)
    return render(
        request,
        "dashboard/listings/consistency.html",
        {
            "report": report,
            "severity": report.counts_by_severity(),
            "page": Paginator(report.rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "channels": channels,
            "channel": channel,
            "fields": choices("drift_field"),
            "field": field,
            # Marketplace orders whose platform figures differ from our engine (ADR 27).
            "order_drift": marketplace_drift(channel=channel or None, limit=20),
            "coupon_drift": marketplace_coupon_drift(channel=channel or None, limit=10),
        },
    )
