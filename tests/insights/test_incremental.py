"""Features kept current order by order (`features_apply_order`) equal a full rebuild after any
sequence of orders being recorded, paid, cancelled and refunded (hypothesis)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omniloop.insights.features import features_apply_order, features_rebuild
from omniloop.insights.models import MemberFeatures
from omniloop.members.models import Member
from omniloop.orders.models import Order
from tests.insights.world import AS_OF, add_order, build_world

pytestmark = pytest.mark.django_db(transaction=False)

STEP = st.tuples(
    st.sampled_from(["new", "new", "new", "cancel", "refund", "pay"]),
    st.integers(0, 5),  # member
    st.integers(0, 400 * 24),  # hours before as_of
    st.integers(0, 10**6),  # a seed for the order's lines and the target order
)


def _rows() -> dict[int, tuple]:
    fields = [f.attname for f in MemberFeatures._meta.fields]
    return {r.member_id: tuple(getattr(r, f) for f in fields) for r in MemberFeatures.objects.all()}


class _Rollback(Exception):
    pass


@pytest.fixture
def small_world(db):
    return build_world(seed=3, members=14, orders=40)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=12))
def test_incremental_equals_rebuild(small_world, steps):
    members = list(Member.objects.filter(status="active").order_by("pk"))
    try:
        with transaction.atomic(), freeze_time(AS_OF):
            features_rebuild(as_of=AS_OF)
            kept = MemberFeatures.objects.order_by("pk").first()
            MemberFeatures.objects.filter(pk=kept.pk).update(p_alive=0.5, clv_365d=Decimal("12.30"))
            for action, who, hours, seed in steps:
                rnd = random.Random(seed)
                if action == "new":
                    order = add_order(
                        small_world,
                        rnd,
                        member=members[who % len(members)],
                        at=AS_OF - timedelta(hours=hours, minutes=rnd.randint(0, 59)),
                        store=rnd.choice([*small_world.stores.values(), None]),
                        status=rnd.choice(["completed", "pending", "paid"]),
                    )
                else:
                    orders = list(Order.objects.filter(member__isnull=False).order_by("pk"))
                    order = orders[seed % len(orders)]
                    if action == "cancel":
                        order.status = "cancelled"
                    elif action == "pay":
                        order.status = "paid" if order.status == "pending" else order.status
                    else:
                        order.refunded_total = min(
                            order.total, order.refunded_total + order.total / 2
                        )
                        order.refunded_total = order.refunded_total.quantize(Decimal("0.01"))
                    order.save()
                features_apply_order(order.pk)
            incremental = _rows()
            features_rebuild(as_of=AS_OF, keep_rfm_scale=True)
            rebuilt = _rows()
            assert incremental == rebuilt
            kept.refresh_from_db()
            assert (kept.p_alive, kept.clv_365d) == (0.5, Decimal("12.30"))
            raise _Rollback
    except _Rollback:
        pass


def test_a_new_member_order_and_a_merge(small_world):
    """A member's first order gives them order features; a merged member loses their row."""
    with freeze_time(AS_OF):
        features_rebuild(as_of=AS_OF)
        fresh = Member.objects.create(code="MNEW", joined_at=AS_OF - timedelta(days=3))
        assert not MemberFeatures.objects.filter(member=fresh).exists()
        order = add_order(
            small_world, random.Random(1), member=fresh, at=AS_OF - timedelta(hours=2), store=None
        )
        features_apply_order(order.pk)
        row = MemberFeatures.objects.get(member=fresh)
        assert (row.orders_30d, row.lifecycle) == (1, "new")
        Member.objects.filter(pk=fresh.pk).update(status="merged")
        features_apply_order(order.pk)
        assert not MemberFeatures.objects.filter(member=fresh).exists()
