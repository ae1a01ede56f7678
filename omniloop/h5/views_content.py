"""Content on the H5 pages (ADR 33): the feed of live items and an item's page, in either mall.
Picks are priced here by `h5_prices`, as every product tile is; nothing stored is a price. A
signed preview token shows a draft through the same view (no view is recorded for it)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from omniloop.attribution.selectors import binding_for
from omniloop.content.models import ContentItem
from omniloop.content.preview import preview_item_id
from omniloop.content.selectors import (
    content_card,
    content_feed,
    content_get,
    content_live_get,
    content_page,
)
from omniloop.content.services import content_view_record
from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.h5.coupon_terms import offer_terms
from omniloop.h5.errors import error_page
from omniloop.h5.mall import mall_channel_code, mall_of, mall_url
from omniloop.h5.prices import h5_prices
from omniloop.h5.session import session_member, visitor_key
from omniloop.members.models import Member


def _english() -> bool:
    return (get_language() or "").lower().startswith("en")


def _store_id(member: Member | None) -> int | None:
    """Content scoped to stores reaches the members bound to one of them."""
    if member is None:
        return None
    binding = binding_for(member=member)
    return binding.store_id if binding else None


@require_safe
def feed(request: HttpRequest) -> HttpResponse:
    member = session_member(request)
    items = content_feed(mall=mall_of(request).value, store_id=_store_id(member))
    cards = [content_card(i, english=_english()) for i in items]
    return render(request, "content/h5/feed.html", {"cards": cards, "member": member})


def _claim_url(request: HttpRequest, item: ContentItem) -> str:
    """The claim page of the item's coupon while members may still claim it."""
    t = item.coupon_template
    if t is None or not (t.claimable and t.claim_token and t.active):
        return ""
    if t.valid_until is not None and t.valid_until <= clock.now():
        return ""
    return mall_url(request, "coupon_claim", t.claim_token)


@require_safe
def detail(request: HttpRequest, item_id: int) -> HttpResponse:
    member = session_member(request)
    mall = mall_of(request).value
    preview = preview_item_id(request.GET.get("preview", "")) == item_id
    try:
        if preview:
            item = content_get(item_id=item_id)
        else:
            item = content_live_get(item_id=item_id, mall=mall, store_id=_store_id(member))
    except ApplicationError as exc:
        return error_page(request, exc)
    page = content_page(item, english=_english())
    prices = h5_prices(
        products=list(page.products), member=member, channel_code=mall_channel_code(request)
    )
    if not preview:
        content_view_record(
            item_id=item.pk,
            mall=mall,
            member_id=member.pk if member else None,
            visitor_key=visitor_key(request),
            via=request.GET.get("via", ""),
        )
    response = render(
        request,
        "content/h5/detail.html",
        {
            "page": page,
            "products": page.products,
            "prices": prices,
            "terms": offer_terms(page.offer) if page.offer else "",
            "claim_url": _claim_url(request, item),
            "preview": preview,
            "member": member,
        },
    )
    if preview:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response
