"""What to open and how to log in: printed after `demo_load` and by `demo_info`."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.conf import settings

from omniloop.accounts.models import Role, User
from omniloop.catalog.models import Sku
from omniloop.demo.data_places import BRAND_NAME, DEMO_PASSWORD
from omniloop.members.models import Member
from omniloop.orders.models import Order
from omniloop.stores.models import Store
from omniloop.touchpoints.models import Touchpoint
from omniloop.touchpoints.qr import scan_url

DEMO_STORE = "sh01"
LOGINS = ("hq", "marketing", "service", f"{DEMO_STORE}-manager", f"{DEMO_STORE}-a1")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    store: str


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(1, width - _width(text))


def demo_logins() -> list[DemoLogin]:
    users = {
        u.username: u for u in User.objects.select_related("store").filter(username__in=LOGINS)
    }
    return [
        DemoLogin(
            u.username, Role(u.role).label, f"{u.store.code} {u.store.name}" if u.store else "-"
        )
        for name in LOGINS
        if (u := users.get(name))
    ]


def demo_summary() -> list[str]:
    """The URLs and logins of the loaded demo, as lines of text."""
    base = settings.OMNILOOP_BASE_URL
    card = (
        Touchpoint.objects.select_related("assistant", "store")
        .filter(kind=Touchpoint.Kind.ASSISTANT_CARD, assistant__username=f"{DEMO_STORE}-a1")
        .first()
    )
    tag = (
        Touchpoint.objects.select_related("product")
        .filter(kind=Touchpoint.Kind.PRODUCT_TAG, store__code=DEMO_STORE)
        .order_by("pk")
        .first()
    )
    counts = (
        f"{Store.objects.count()} stores, "
        f"{User.objects.filter(role=Role.ASSISTANT).count()} assistants, "
        f"{Sku.objects.count()} SKUs, {Member.objects.count()} members, "
        f"{Order.objects.count()} orders"
    )
    lines = [
        "",
        f"{BRAND_NAME} demo brand: {counts}",
        "",
        f"  {_pad('Dashboard', 14)}{base}/dashboard/",
    ]
    if card is not None and card.assistant is not None:
        lines.append(
            f"  {_pad('Member H5', 14)}{scan_url(card.scene)}   "
            f"(assistant card: {card.assistant.display_name}, {DEMO_STORE})"
        )
    if tag is not None and tag.product is not None:
        lines.append(
            f"  {_pad('', 14)}{scan_url(tag.scene)}   "
            f"(product tag: {tag.product.name}, {DEMO_STORE})"
        )
    lines += [
        f"  {_pad('API docs', 14)}{base}/api/docs",
        "",
        f"  Demo logins (password: {DEMO_PASSWORD})",
        f"  {_pad('Username', 16)}{_pad('Role', 26)}Store",
        f"  {'-' * 15} {'-' * 25} {'-' * 30}",
    ]
    lines += [
        f"  {_pad(login.username, 16)}{_pad(login.role, 26)}{login.store}"
        for login in demo_logins()
    ]
    lines += [
        "",
        "  HQ logins have two-factor sign-in: enrol any authenticator app from the QR code shown",
        "  at first sign-in, or, on this demo only, print the current code with",
        "  `.venv/bin/omniloop staff_2fa code USERNAME`.",
        "",
    ]
    return lines
