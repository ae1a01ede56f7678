"""Factories for pricing tests: live offers made through the offer services, coupons issued
through the coupon services, and a "nothing was written" guard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniloop.core import clock
from omniloop.members.models import Member
from omniloop.promotions.coupons import coupon_issue, coupon_template_create
from omniloop.promotions.models import Coupon, CouponTemplate, Offer
from omniloop.promotions.offers import offer_activate, offer_create
from omniloop.promotions.priced import PricedQuote
from omniloop.promotions.pricing import quote
from tests.factories import make_product, make_store


def tiered(member: Member, tier: str) -> Member:
    Member.objects.filter(pk=member.pk).update(tier=tier)
    member.tier = tier
    return member


def make_shop() -> SimpleNamespace:
    """Store sh01 with a ¥399 jacket (JK100) and a ¥99.50 tee (TS200), sizes S, M, L."""
    return SimpleNamespace(
        store=make_store("sh01"),
        jacket=make_product("JK100", price="399.00"),
        tee=make_product("TS200", price="99.50"),
    )


def till_quote(
    shop: Any,
    items: list[tuple[str, int]],
    *,
    member: Member | None = None,
    codes: tuple[str, ...] | list[str] = (),
    at: Any = None,
    store: Any = None,
    **kw: Any,
) -> PricedQuote:
    """A quote at `shop.store`'s till (or `store`'s)."""
    return quote(
        items=items,
        channel_code="store-till",
        store_id=(store or shop.store).pk,
        member_id=member.pk if member else None,
        coupon_codes=list(codes),
        at=at,
        **kw,
    )


def live_offer(**fields: Any) -> Offer:
    """An active offer. Defaults: all products, every channel and store."""
    spec: dict[str, Any] = {"all_products": True}
    spec.update(fields)
    offer = offer_create(actor_label="test", **spec)
    return offer_activate(offer_id=offer.pk)


def site_offers() -> tuple[Offer, Offer]:
    """The demo brand's site-wide automatic offers: 满300减50，满500减100 for everyone, then
    金卡会员折上折 (gold pay 95%, platinum 90%, of the already discounted price) for members."""
    threshold = live_offer(
        name="满300减50，满500减100",
        kind="threshold",
        params={"tiers": [[30000, 5000], [50000, 10000]]},
        stacking_group="site",
        priority=50,
    )
    extra = live_offer(
        name="金卡会员折上折",
        kind="member_extra",
        params={"pay_percent_by_tier": {"gold": 95, "platinum": 90}},
        tiers=["gold", "platinum"],
        requires_member=True,
        compound=True,
        priority=200,
    )
    return threshold, extra


def coupon_offer(**fields: Any) -> Offer:
    return live_offer(coupon_only=True, **fields)


def issued_coupon(member: Member | None, offer: Offer | None = None, **fields: Any) -> Coupon:
    """A single-use coupon for `member` (bearer when None) on a coupon-only offer."""
    offer = offer or coupon_offer(
        name=fields.pop("name", "¥50 coupon"),
        kind="amount_off",
        params={"amount": 5000, "min_spend": 30000},
        **fields,
    )
    template = coupon_template_create(offer=offer, name=f"{offer.name} template", valid_days=30)
    if member is None:
        return _bearer(template)
    return coupon_issue(template=template, member=member, source="manual")


def _bearer(template: CouponTemplate) -> Coupon:
    from omniloop.promotions.codes import new_coupon_code

    now = clock.now()
    return Coupon.objects.create(
        template=template,
        code=new_coupon_code(),
        source="test",
        valid_from=now - timedelta(minutes=1),
        valid_until=now + timedelta(days=30),
        issued_at=now,
    )


def shared_code(code: str, offer: Offer | None = None, **fields: Any) -> CouponTemplate:
    offer = offer or coupon_offer(
        name=f"shared {code}", kind="amount_off", params={"amount": 2000}, **fields
    )
    return coupon_template_create(
        offer=offer,
        name=f"{code} template",
        code_kind="shared",
        shared_code=code,
        valid_until=clock.now() + timedelta(days=30),
    )


WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def no_writes() -> Iterator[CaptureQueriesContext]:
    """Fails if any statement inside writes to the database."""
    with CaptureQueriesContext(connection) as ctx:
        yield ctx
    written = [
        q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)
    ]
    assert not written, written
