"""API token scopes (令牌权限范围): what a token may do, on top of what its kind or role may.

A token's role says which endpoints its caller could ever use; its scopes narrow that to what
this one integration needs (a stock feed gets `inventory.write` and nothing else). Every API
operation names exactly one scope (`omniloop.api.auth.TokenAuth(scope=...)`), and the
authorization matrix (`tests/authz`) checks every operation against a token without it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from omniloop.accounts.models import Role

TILL = "till"  # the caller of a till token; HQ integration tokens are their role
_HQ = frozenset({Role.HQ_ADMIN.value, Role.MARKETER.value, Role.CS_AGENT.value})
_ADMIN_CS = frozenset({Role.HQ_ADMIN.value, Role.CS_AGENT.value})
_ADMIN_MARKETER = frozenset({Role.HQ_ADMIN.value, Role.MARKETER.value})
_ADMIN = frozenset({Role.HQ_ADMIN.value})


@dataclass(frozen=True)
class Scope:
    name: str
    description: str | Promise
    callers: frozenset[str]  # "till" and/or HQ roles that may hold it


SCOPES: dict[str, Scope] = {
    s.name: s
    for s in (
        Scope("pos.members", _("Identify members at the till"), frozenset({TILL})),
        Scope("pos.sales", _("Quote and record till sales"), frozenset({TILL})),
        Scope("pos.returns", _("Record returns at the till"), frozenset({TILL})),
        Scope("pos.pickups", _("List and hand over pickups"), frozenset({TILL})),
        Scope("pos.stock", _("Send the till's stock"), frozenset({TILL})),
        Scope("pos.endless_aisle", _("Order for shoppers from other stores"), frozenset({TILL})),
        Scope("stores.read", _("Read stores"), _HQ),
        Scope("members.read", _("Read one member"), _ADMIN_CS),
        Scope("members.export", _("Export a member's data"), _ADMIN_CS),
        Scope("members.erase", _("Erase a member"), _ADMIN),
        Scope("flash_sales", _("Read flash sales and claim units"), _HQ | {TILL}),
        Scope("coupons.read", _("Read coupon templates"), _ADMIN_MARKETER),
        Scope("coupons.write", _("Create coupon templates and issue coupons"), _ADMIN_MARKETER),
        Scope("listings.read", _("Read the consistency check"), _ADMIN_MARKETER),
        Scope("listings.write", _("Load channel listings"), _ADMIN_MARKETER),
        Scope("wechat.qrcodes", _("Create and read WeChat QR codes"), _ADMIN_MARKETER),
        Scope("inventory.read", _("Read availability per store"), _HQ | {TILL}),
        Scope("inventory.write", _("Load stock from the ERP"), _ADMIN),
        Scope("segments", _("Preview and refresh segments"), _ADMIN_MARKETER),
        Scope("marketplace.orders", _("Import marketplace orders and statuses"), _ADMIN),
        Scope("marketplace.read", _("Read marketplace price drift"), _ADMIN_MARKETER),
        Scope("orders.cancel", _("Cancel orders"), _ADMIN_CS),
    )
}


def caller_of(*, kind: str, role: str) -> str:
    return TILL if kind == "till" else role


def scopes_for(caller: str) -> tuple[str, ...]:
    """Every scope a token of this caller may hold, in a stable order: the default grant."""
    return tuple(name for name, s in SCOPES.items() if caller in s.callers)
