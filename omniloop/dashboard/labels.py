"""Translated labels for stored choice values. The models keep plain English labels; the
dashboard shows these instead, so every role, kind and status reads in the user's language."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

LABELS: dict[str, dict[str, Promise]] = {
    "role": {
        "hq_admin": _("HQ admin"),
        "marketer": _("Marketer"),
        "cs_agent": _("Customer-service agent"),
        "store_manager": _("Store manager"),
        "assistant": _("Shop assistant"),
    },
    "store_type": {
        "flagship": _("Flagship"),
        "direct": _("Directly operated"),
        "franchise": _("Franchise"),
    },
    "store_status": {
        "planned": _("Planned"),
        "open": _("Open"),
        "closed": _("Closed"),
    },
    "touchpoint_kind": {
        "store_counter": _("Store counter"),
        "assistant_card": _("Assistant card"),
        "product_tag": _("Product tag"),
        "poster": _("Poster / campaign"),
    },
    "identity_kind": {
        "phone": _("Phone"),
        "wechat_openid": _("WeChat openid"),
        "wechat_unionid": _("WeChat unionid"),
        "marketplace_buyer": _("Marketplace buyer id"),
        "store_card": _("Store card number"),
    },
    "consent_channel": {
        "wechat": _("WeChat"),
        "sms": _("SMS"),
        "email": _("E-mail"),
    },
    "binding_change": {
        "initial": _("First binding"),
        "assistant_added": _("Assistant added"),
        "takeover": _("Taken over after protection"),
        "rebind": _("Re-bound by staff"),
        "merge": _("Carried over by a merge"),
    },
    "binding_source": {
        "scan": _("Scan"),
        "join": _("Join"),
        "till_sale": _("Till sale"),
        "staff": _("Staff"),
        "merge": _("Merge"),
    },
    # Free-text sources written by the services; unknown ones are shown as stored.
    "source": {
        "scan": _("Scan"),
        "join": _("Join"),
        "join_form": _("Join form"),
        "till": _("Till"),
        "till_sale": _("Till sale"),
        "import": _("Import"),
        "wechat": _("WeChat"),
        "marketplace": _("Marketplace"),
        "h5_settings": _("Member settings page"),
        "staff": _("Staff"),
        "merge": _("Merge"),
        "test": _("Test"),
    },
    "product_status": {
        "draft": _("Draft"),
        "active": _("On sale"),
        "retired": _("Retired"),
    },
    "token_kind": {
        "till": _("Store till"),
        "integration": _("HQ integration"),
    },
    "channel_kind": {
        "store_till": _("Store till"),
        "wechat_mall": _("WeChat mall"),
        "web_mall": _("Web mall"),
        "marketplace": _("Marketplace shop"),
    },
    "drift_field": {
        "price": _("Price"),
        "title": _("Title"),
        "description": _("Description"),
        "missing_listing": _("Missing listing"),
        "stale_listing": _("Stale listing"),
    },
    "drift_severity": {
        "high": _("High"),
        "medium": _("Medium"),
        "low": _("Low"),
    },
    "listing_source": {
        "api": _("API"),
        "csv": _("CSV import"),
        "crawl": _("Crawl"),
        "internal": _("Our own page"),
    },
    "settlement_flow": {
        "store_sale": _("Store sale"),
        "online": _("Online, shipped from the warehouse"),
        "pickup": _("Buy online, pick up in store"),
        "scan_to_buy": _("Scan a tag in store, buy online"),
        "endless_aisle": _("Endless aisle"),
        "ship_from_store": _("Ship from store"),
        "marketplace": _("Marketplace"),
        "imported": _("Imported history"),
    },
    "reservation_kind": {
        "pickup": _("Pick up in store"),
        "flash_sale": _("Flash sale"),
        "endless_aisle": _("Endless aisle"),
        "ship_from_store": _("Ship from store"),
    },
    "stock_source": {
        "till": _("Store till"),
        "erp": _("ERP / HQ integration"),
        "csv": _("CSV import"),
        "demo": _("Demo"),
    },
    "order_status": {
        "completed": _("Completed"),
        "cancelled": _("Cancelled"),
    },
    "moved": {
        "identities": _("Identities"),
        "consents": _("Consent records"),
        "scans": _("Scans"),
        "bindings": _("Binding records"),
        "points": _("Points entries"),
        "orders": _("Orders"),
        "coupons": _("Coupons"),
        "flash_claims": _("Flash-sale claims"),
        "flash_tallies": _("Flash-sale tallies"),
        "flash_over_limit": _("Flash-sale units over the per-member limit"),
        "group_buys": _("Group-buy participations"),
    },
    "gender": {
        "": _("Unknown"),
        "f": _("Female"),
        "m": _("Male"),
    },
    # Why a marketplace order's coupon code was not honoured (ADR 43): promotions' coupon
    # reasons, the engine's reasons for a valid code that does not apply, and the stage.
    "coupon_drift_reason": {
        "coupon_unknown": _("Unknown code"),
        "coupon_expired": _("Expired"),
        "coupon_not_started": _("Not valid yet"),
        "coupon_not_yours": _("Another member's coupon"),
        "coupon_already_redeemed": _("Already used"),
        "coupon_reserved": _("Held by another order"),
        "coupon_limit_reached": _("Code used up"),
        "coupon_member_limit": _("Member's limit reached"),
        "coupon_inactive": _("No longer valid"),
        "offer_wrong_channel": _("Not for this channel"),
        "offer_wrong_store": _("Not for this store"),
        "offer_not_started": _("Offer not started"),
        "offer_ended": _("Offer ended"),
        "offer_outside_hours": _("Outside the offer's hours"),
        "offer_members_only": _("Members only"),
        "offer_tier_not_eligible": _("Tier not eligible"),
        "offer_segment_not_eligible": _("Segment not eligible"),
        "offer_no_eligible_items": _("No eligible items"),
        "offer_threshold_not_met": _("Spend threshold not met"),
        "offer_same_stacking_group": _("Does not stack"),
        "offer_exclusive_applied": _("An exclusive offer applied"),
        "offer_better_combination_applied": _("A better combination applied"),
        "offer_nothing_left_to_discount": _("Nothing left to discount"),
        "offer_no_discount": _("No discount"),
    },
    "coupon_drift_stage": {
        "arrival": _("On arrival"),
        "payment": _("At payment"),
    },
}

# Messages raised by services and shown on error pages; listed so makemessages extracts them.
SERVICE_MESSAGES = [
    gettext_noop("Not found."),
    gettext_noop("Member not found."),
    gettext_noop("Touchpoint not found."),
    gettext_noop("No such token."),
    gettext_noop("No such assistant."),
    gettext_noop("Give a reason for the re-binding."),
    gettext_noop("Only HQ admins and store managers re-bind members."),
    gettext_noop("The assistant is not on that store's staff."),
    gettext_noop("A member cannot be merged into itself."),
    gettext_noop("Say why these members are merged."),
    gettext_noop("Only active members can be merged."),
    gettext_noop("This touchpoint needs a store."),
    gettext_noop("An assistant card needs an assistant."),
    gettext_noop("A product tag needs a product."),
    gettext_noop("Store staff need a store."),
    gettext_noop("Integration tokens take an HQ role."),
    gettext_noop("A token is bound to either a store or a role."),
    gettext_noop("Your role cannot do this."),
    gettext_noop("A period can be closed once it is over."),
    gettext_noop("This period is already closed."),
    gettext_noop("A rule takes effect now or later, never in the past."),
    gettext_noop("A share is 0-10,000 basis points."),
    gettext_noop("A rate is 0-100%."),
    gettext_noop("Unknown category."),
    gettext_noop("Unknown order flow."),
]


def label_for(group: str, value: object) -> str:
    """The translated label, or the raw value when it is not a known choice."""
    text = LABELS.get(group, {}).get("" if value is None else str(value))
    return str(text) if text is not None else ("" if value is None else str(value))


def choices(group: str) -> list[tuple[str, Promise]]:
    """Form choices; the labels stay lazy so a form class can be built at import time."""
    return list(LABELS[group].items())
