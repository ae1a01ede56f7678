from __future__ import annotations

from decimal import Decimal
from typing import Any

import phonenumbers
from django import template
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from omniloop.dashboard.access_map import role_may_open
from omniloop.dashboard.labels import label_for

register = template.Library()

# (url name, label, icon path data); shown only to roles the access map lets in.
NAV = [
    ("dashboard:home", _("Overview"), "M3 11l9-8 9 8v10h-6v-6H9v6H3z"),
    (
        "dashboard:workbench",
        _("Workbench"),
        "M7 2h10a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zM11 18h2",
    ),
    ("dashboard:wall", _("Wall"), "M3 3h18v12H3zM8 21h8M12 15v6M7 11l3-3 3 2 4-4"),
    (
        "dashboard:members",
        _("Members"),
        "M16 19v-1a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v1M9 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6M22 19v-1a4 4 "
        "0 0 0-3-3.9M16 4.1a3 3 0 0 1 0 5.8",
    ),
    ("dashboard:stores", _("Stores"), "M3 9l2-5h14l2 5M4 9v11h16V9M3 9h18M9 20v-6h6v6"),
    (
        "dashboard:staff",
        _("Staff"),
        "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8M4 21v-1a6 6 0 0 1 6-6h4a6 6 0 0 1 6 6v1",
    ),
    ("dashboard:products", _("Products"), "M20 7l-8-4-8 4v10l8 4 8-4zM4 7l8 4 8-4M12 11v10"),
    ("dashboard:stock", _("Stock"), "M3 21V8l9-5 9 5v13M7 21v-8h10v8M7 17h10"),
    (
        "dashboard:collections",
        _("Collections"),
        "M12 2l9 5-9 5-9-5zM3 12l9 5 9-5M3 17l9 5 9-5",
    ),
    (
        "dashboard:touchpoints",
        _("Touchpoints"),
        "M4 4h6v6H4zM14 4h6v6h-6zM4 14h6v6H4zM14 14h2v2h-2zM18 18h2v2h-2zM14 18h2M18 14h2",
    ),
    (
        "dashboard:offers",
        _("Offers"),
        "M20.6 13.4l-7.2 7.2a2 2 0 0 1-2.8 0L3 13V3h10l7.6 7.6a2 2 0 0 1 0 2.8zM7.5 7.5h.01",
    ),
    (
        "dashboard:coupon_templates",
        _("Coupons"),
        "M3 7a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2v3a2 2 0 0 0 0 4v3a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-3"
        "a2 2 0 0 0 0-4zM14 5v14",
    ),
    ("dashboard:flash_sales", _("Flash sales"), "M13 2L4 14h7l-1 8 9-12h-7z"),
    (
        "dashboard:settlement",
        _("Settlement"),
        "M12 2v20M17 5H9.5a3.5 3.5 0 0 0 0 7h5a3.5 3.5 0 0 1 0 7H6",
    ),
    (
        "dashboard:o2o_performance",
        _("O2O performance"),
        "M3 3v18h18M7 15l4-4 3 3 6-6",
    ),
    (
        "dashboard:campaigns",
        _("Campaigns"),
        "M3 11l18-8-8 18-2-8zM11 13l10-10",
    ),
    (
        "dashboard:content",
        _("Content"),
        "M4 4h16v16H4zM8 8h8M8 12h8M8 16h5",
    ),
    (
        "dashboard:growth_referrals",
        _("Referrals"),
        "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8"
        "M19 8v6M22 11h-6",
    ),
    (
        "dashboard:growth_lotteries",
        _("Lotteries"),
        "M20 12v10H4V12M2 7h20v5H2zM12 22V7M12 7H7.5a2.5 2.5 0 0 1 0-5C11 2 12 7 12 7z"
        "M12 7h4.5a2.5 2.5 0 0 0 0-5C13 2 12 7 12 7z",
    ),
    (
        "dashboard:growth_my_code",
        _("My code"),
        "M3 3h7v7H3zM14 3h7v7h-7zM3 14h7v7H3zM14 14h3v3h-3zM18 18h3v3h-3z",
    ),
    (
        "dashboard:growth_employees",
        _("Employee codes"),
        "M3 3h7v7H3zM14 3h7v7h-7zM3 14h7v7H3zM14 14h3v3h-3zM18 18h3v3h-3z",
    ),
    (
        "dashboard:segments",
        _("Segments"),
        "M21 12a9 9 0 1 1-9-9v9zM15 3.5A9 9 0 0 1 20.5 9H15z",
    ),
    (
        "dashboard:consistency",
        _("Consistency"),
        "M9 11l3 3 8-8M20 12v7a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h9",
    ),
    (
        "dashboard:inbox",
        _("Inbox"),
        "M22 12h-6l-2 3h-4l-2-3H2M5.5 5.1L2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.5-6.9A2 2 0"
        " 0 0 16.8 4H7.2a2 2 0 0 0-1.7 1.1z",
    ),
    (
        "dashboard:pickups",
        _("Pickups"),
        "M3 7l9-4 9 4-9 4zM3 7v10l9 4 9-4V7M12 11v10",
    ),
    (
        "dashboard:shipments",
        _("To ship"),
        "M1 3h15v13H1zM16 8h4l3 3v5h-7zM5.5 21a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5M18.5 21a2.5"
        " 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5",
    ),
    (
        "dashboard:points",
        _("Points"),
        "M12 2l3 6.5 7 .9-5.1 4.8 1.3 6.9L12 17.8 5.8 21.1l1.3-6.9L2 9.4l7-.9z",
    ),
    (
        "dashboard:brand_settings",
        _("Brand settings"),
        "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8"
        "l-.1-.1a1.7 1.7 0 0 0-2.9 1.2V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-2.9-1.2l-.1.1a2 2 0 1 1"
        "-2.8-2.8l.1-.1A1.7 1.7 0 0 0 3 15H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.2-2.9l-.1-.1a2 2 0 "
        "1 1 2.8-2.8l.1.1A1.7 1.7 0 0 0 10 4V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 2.9 1.2l.1-.1a2 2 0 "
        "1 1 2.8 2.8l-.1.1A1.7 1.7 0 0 0 21 10h.1a2 2 0 1 1 0 4z",
    ),
    (
        "dashboard:tokens",
        _("API tokens"),
        "M15 7a4 4 0 1 1-3.9 4.9L3 20v-3h3v-3h3l2.1-2.1A4 4 0 0 1 15 7z",
    ),
    (
        "dashboard:audit",
        _("Audit"),
        "M9 3h6l1 2h3v16H5V5h3zM9 3v4h6V3M8 12h8M8 16h5",
    ),
]


@register.filter
def label(value: Any, group: str) -> str:
    """{{ user.role|label:"role" }}: the translated label of a stored choice."""
    return label_for(group, value)


@register.filter
def loc(obj: Any, field: str) -> str:
    """{{ product|loc:"name" }}: the `_en` twin when the page is in English and it is filled."""
    if obj is None:
        return ""
    if (get_language() or "").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return str(english)
    return str(getattr(obj, field, "") or "")


@register.filter
def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"¥{Decimal(value):,.2f}"


@register.filter
def money_signed(value: Decimal | None) -> str:
    """+¥30.00, −¥0.01, ¥0.00: a difference, with its direction."""
    if value is None:
        return ""
    amount = Decimal(value)
    sign = "+" if amount > 0 else "−" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


@register.filter
def bp_percent(value: int | None) -> str:
    """7000 -> 70%, 250 -> 2.5%: basis points as a percentage."""
    if value is None:
        return ""
    text = f"{Decimal(value) / 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


@register.filter
def phone_intl(e164: str) -> str:
    """+8613812345678 -> +86 138 1234 5678, easier to read out to a customer."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def staff_name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.display_name or user.username)


@register.simple_tag(takes_context=True)
def may_open(context: template.Context, name: str) -> bool:
    """{% may_open "dashboard:member_rebind" as can_rebind %}"""
    user = context["request"].user
    return bool(user.is_authenticated and role_may_open(user.role, name))


@register.inclusion_tag("dashboard/_nav.html", takes_context=True)
def dashboard_nav(context: template.Context, quick: bool = False) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = []
    for name, text, icon in NAV:
        if quick and name == "dashboard:home":
            continue
        if user.is_authenticated and role_may_open(user.role, name):
            section = name.split(":")[1]
            active = current == name or (
                section != "home" and current.startswith(f"dashboard:{section.rstrip('s')}")
            )
            items.append({"url": reverse(name), "label": text, "icon": icon, "active": active})
    return {"items": items}


@register.filter
def fen(value: int | None) -> str:
    """3000 -> ¥30.00: an amount kept in integer fen."""
    if value is None:
        return ""
    return f"¥{Decimal(int(value)) / 100:,.2f}"
