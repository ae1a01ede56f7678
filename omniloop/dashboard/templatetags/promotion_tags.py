"""Template filters for the promotions pages: offer kinds and statuses in the user's language,
fen as yuan, and the plain-words scope of an offer."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from omniloop.dashboard.offer_kinds import KIND_LABELS, TIER_LABELS, form_kind
from omniloop.dashboard.offer_text import (
    STATUS_CLASSES,
    benefit_text,
    channel_names,
    days_text,
    display_status,
    scope_text,
    where_text,
    yuan,
)
from omniloop.promotions.models import FlashSale, Offer

register = template.Library()

STATUS_LABELS = {
    "draft": _("Draft"),
    "scheduled": _("Scheduled"),
    "running": _("Running"),
    "paused": _("Paused"),
    "over": _("Window over"),
    "ended": _("Ended"),
    "active": _("Active"),
}


@register.filter
def offer_kind(offer: Offer) -> str:
    return str(KIND_LABELS.get(form_kind(offer), offer.kind))


@register.filter
def offer_status(obj: Offer | FlashSale) -> str:
    """The status as staff read it (scheduled, running, window over: not just "active"), for an
    offer or a flash sale."""
    return display_status(obj)


@register.filter
def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, status)


@register.filter
def offer_scope(offer: Offer) -> str:
    return scope_text(offer, short=True)


@register.filter
def fen(value: Any) -> str:
    return "" if value is None else yuan(value)


@register.filter
def tier_label(tier: str) -> str:
    return str(TIER_LABELS.get(tier, tier))


@register.filter
def offer_benefit(offer: Offer) -> str:
    return benefit_text(offer.kind, offer.params)


@register.filter
def offer_days(offer: Offer) -> str:
    return days_text(offer)


@register.simple_tag(takes_context=True)
def offer_where(context: template.Context, offer: Offer) -> str:
    """Channels and stores of an offer; channel names are read once per page."""
    cache = context.render_context
    if "offer_channel_names" not in cache:
        cache["offer_channel_names"] = channel_names()
    return where_text(offer, cache["offer_channel_names"])
