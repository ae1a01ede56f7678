"""Demo promotions: a few live offers (one on the autumn capsule collection), a welcome coupon,
a claimable coupon and a flash sale, created through the promotions services so they pass the
same checks as the dashboard's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from omniloop.accounts.access import actor_for_user
from omniloop.accounts.models import Role
from omniloop.catalog.collection_selectors import collection_get
from omniloop.catalog.models import Category
from omniloop.core import clock
from omniloop.demo.collections import AUTUMN_CAPSULE
from omniloop.demo.context import Demo
from omniloop.members.models import Member
from omniloop.promotions.coupons import coupon_template_create
from omniloop.promotions.flash import flash_sale_create
from omniloop.promotions.offers import offer_activate, offer_create
from omniloop.workbench.sharing import shareable_coupon_set

ACTOR = "demo"


def _live(**fields: object) -> int:
    offer = offer_create(actor_label=ACTOR, **fields)
    offer_activate(offer_id=offer.pk)
    return offer.pk


def build_promotions(demo: Demo) -> None:
    coats = Category.objects.get(code="coats")
    _live(
        name="满300减50，满500减100",
        kind="threshold",
        params={"tiers": [[30000, 5000], [50000, 10000]]},
        all_products=True,
        stacking_group="site",
        priority=50,
    )
    _live(
        name="金卡会员折上折",
        kind="member_extra",
        params={"pay_percent_by_tier": {"gold": 95, "platinum": 90}},
        all_products=True,
        tiers=("gold", "platinum"),
        requires_member=True,
        compound=True,
        priority=200,
    )
    _live(
        name="外套线上9折",
        kind="percent_off",
        params={"pay_percent": 90},
        categories=(coats.pk,),
        channels=("wechat-mall", "web-mall"),
        priority=100,
    )
    _live(
        name="秋季胶囊系列 85折",
        kind="percent_off",
        params={"pay_percent": 85},
        collections=(collection_get(code=AUTUMN_CAPSULE).pk,),
        stacking_group="capsule",
        priority=100,
    )
    welcome = offer_create(
        actor_label=ACTOR,
        name="新会员满199减30",
        kind="amount_off",
        params={"amount": 3000, "min_spend": 19900},
        all_products=True,
        coupon_only=True,
    )
    offer_activate(offer_id=welcome.pk)
    coupon_template_create(offer=welcome, name="新会员礼券 ¥30", welcome=True, valid_days=30)
    coat_coupon = offer_create(
        actor_label=ACTOR,
        name="外套满999减100",
        kind="amount_off",
        params={"amount": 10000, "min_spend": 99900},
        categories=(coats.pk,),
        coupon_only=True,
    )
    offer_activate(offer_id=coat_coupon.pk)
    coupon_template_create(
        offer=coat_coupon, name="秋冬外套券 ¥100", claimable=True, valid_days=14, issue_limit=2000
    )
    # One coupon the assistants may give their members from the workbench (ADR 34).
    given = coupon_template_create(offer=coat_coupon, name="导购专享外套券 ¥100", valid_days=14)
    hq = next(u for u in demo.hq_staff if u.role == Role.HQ_ADMIN)
    shareable_coupon_set(
        actor=actor_for_user(hq), template_id=given.pk, monthly_cap=20, active=True
    )
    sku = demo.skus[demo.products[0].pk][0]
    now = clock.now()
    flash_sale_create(
        name=f"限时秒杀 {demo.products[0].name}",
        sku_id=sku.pk,
        price=(demo.products[0].list_price / 2).quantize(Decimal("0.01")),
        stock=100,
        starts_at=now,
        ends_at=now + timedelta(days=3),
        per_member_limit=1,
    )
    # Tiers: every 10th member gold, every 40th platinum (kept by loyalty rules later).
    ids = [dm.member.pk for dm in demo.members]
    Member.objects.filter(pk__in=ids[::10]).update(tier="gold")
    Member.objects.filter(pk__in=ids[::40]).update(tier="platinum")
