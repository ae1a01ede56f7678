"""The assistant's member list and member page: bound members only (a manager: the store's),
masked phones, search, and another store's member answers 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from omniloop.catalog.models import Category
from omniloop.core import clock
from omniloop.core.errors import NotFound, PermissionDenied
from omniloop.insights.models import MemberFeatures
from omniloop.loyalty.services import points_earn
from omniloop.touchpoints.models import Touchpoint
from omniloop.touchpoints.services import (
    scan_record,
    scene_resolve,
    visitor_get_or_create,
    visitor_link,
)
from omniloop.workbench.members import workbench_member_list, workbench_member_profile
from tests.factories import make_member, make_touchpoint
from tests.workbench.world import bind, make_world

pytestmark = pytest.mark.django_db


def _codes(rows):
    return {r.code for r in rows}


def test_an_assistant_lists_only_their_bound_members_with_masked_phones():
    w = make_world()
    rows, more = workbench_member_list(actor=w.actor(w.a1))
    assert _codes(rows) == {w.m1.code}
    assert more is False
    assert rows[0].phone_masked == "138****1111"
    assert rows[0].mine is True


def test_a_manager_lists_the_stores_members():
    w = make_world()
    rows, _ = workbench_member_list(actor=w.actor(w.manager))
    assert _codes(rows) == {w.m1.code, w.m2.code}


def test_search_by_name_code_or_last_four_digits():
    w = make_world()
    other = bind(make_member("13700004444", name="赵四"), w.a, w.a1)
    actor = w.actor(w.a1)
    assert _codes(workbench_member_list(actor=actor, query="赵")[0]) == {other.code}
    assert _codes(workbench_member_list(actor=actor, query="1111")[0]) == {w.m1.code}
    assert _codes(workbench_member_list(actor=actor, query=w.m1.code)[0]) == {w.m1.code}
    # Another assistant's member does not come up in a search either.
    assert _codes(workbench_member_list(actor=actor, query="2222")[0]) == set()
    assert _codes(workbench_member_list(actor=actor, query="138")[0]) == set()


def test_paging_says_when_there_are_more():
    w = make_world()
    rows, more = workbench_member_list(actor=w.actor(w.manager), limit=1)
    assert len(rows) == 1 and more is True
    rows2, more2 = workbench_member_list(actor=w.actor(w.manager), limit=1, offset=1)
    assert more2 is False and rows2[0].code != rows[0].code


def test_hq_has_no_workbench():
    w = make_world()
    with pytest.raises(PermissionDenied):
        workbench_member_list(actor=w.actor(w.hq))


def test_profile_shows_features_points_and_last_visit_never_the_phone():
    w = make_world()
    category = Category.objects.create(code="coats", name="外套", name_en="Coats")
    ordered = clock.now() - timedelta(days=20)
    MemberFeatures.objects.create(
        member=w.m1,
        computed_at=clock.now(),
        last_order_at=ordered,
        orders_total=3,
        spend_365d=Decimal("1299.00"),
        lifecycle="active",
        top_category=category,
    )
    points_earn(member=w.m1, points=120, reference="test:wb")
    card = make_touchpoint(Touchpoint.Kind.ASSISTANT_CARD, store=w.a, assistant=w.a1)
    visitor = visitor_get_or_create(key=None)
    visitor_link(visitor=visitor, member=w.m1)
    scan_record(ctx=scene_resolve(scene=card.scene), visitor=visitor)

    p = workbench_member_profile(actor=w.actor(w.a1), member_id=w.m1.pk)
    assert p.phone_masked == "138****1111"
    assert p.top_category == "外套" and p.top_category_en == "Coats"
    assert p.points == 120
    assert p.orders_total == 3 and p.spend_365d == Decimal("1299.00")
    assert p.last_order_at == ordered
    assert p.last_visit_at is not None and p.last_visit_at > ordered  # the scan, just now
    assert "13800001111" not in repr(p)


def test_another_stores_member_is_not_found():
    w = make_world()
    with pytest.raises(NotFound):
        workbench_member_profile(actor=w.actor(w.a1), member_id=w.mb.pk)
    with pytest.raises(NotFound):
        workbench_member_profile(actor=w.actor(w.a1), member_id=999_999)
