"""Saving, publishing and archiving items: every refusal writes nothing, a published item stays
publishable, the schedule's times are aware and ordered."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from omniloop.content.models import ContentItem, ContentPick
from omniloop.content.services import (
    content_item_archive,
    content_item_publish,
    content_item_save,
)
from omniloop.core import clock
from omniloop.core.errors import Conflict, ValidationFailed
from tests.content.helpers import draft, item, window
from tests.factories import make_product, make_store
from tests.promotions.coupon_helpers import make_offer, make_template

pytestmark = pytest.mark.django_db


def test_picks_keep_their_order_and_no_price():
    a, b, c = make_product("A1"), make_product("B2"), make_product("C3")
    saved = content_item_save(draft=draft("picks", product_ids=[c.pk, a.pk, b.pk, a.pk]))
    assert [p.product_id for p in saved.picks.all()] == [c.pk, a.pk, b.pk]
    assert not [f for f in ContentPick._meta.get_fields() if "price" in f.name]
    again = content_item_save(item_id=saved.pk, draft=draft("picks", product_ids=[b.pk]))
    assert [p.product_id for p in again.picks.all()] == [b.pk]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": "", "title_en": "  "}, "content_title_missing"),
        ({"title": "x" * 101}, "content_too_long"),
        ({"body": "x" * 10_001}, "content_too_long"),
        ({"publish_at": datetime(2026, 12, 1, 9, 0)}, "content_time_naive"),
        (window(5, 2), "content_window_invalid"),
        ({"in_wechat_mall": False, "in_web_mall": False}, "content_mall_missing"),
        ({"product_ids": [1]}, "content_picks_unexpected"),
        ({"offer_id": 1}, "content_offer_unexpected"),
        ({"store_ids": [999_999]}, "content_store_unknown"),
    ],
)
def test_a_refused_draft_writes_nothing(changes, code):
    with pytest.raises(ValidationFailed) as exc:
        content_item_save(draft=draft("news", **changes))
    assert exc.value.code == code
    assert ContentItem.objects.count() == 0


def test_an_unknown_product_is_refused_and_the_old_picks_stay():
    a = make_product("A1")
    saved = content_item_save(draft=draft("picks", product_ids=[a.pk]))
    with pytest.raises(ValidationFailed) as exc:
        content_item_save(item_id=saved.pk, draft=draft("picks", product_ids=[a.pk, 10**9]))
    assert exc.value.code == "content_product_unknown"
    assert [p.product_id for p in saved.picks.all()] == [a.pk]


def test_a_coupon_brings_its_offer_and_another_offer_is_refused():
    template = make_template()
    saved = content_item_save(draft=draft("promotion", coupon_template_id=template.pk))
    assert saved.offer_id == template.offer_id
    other = make_offer(name="另一个")
    with pytest.raises(ValidationFailed) as exc:
        content_item_save(
            draft=draft("promotion", coupon_template_id=template.pk, offer_id=other.pk)
        )
    assert exc.value.code == "content_offer_mismatch"


@pytest.mark.parametrize(
    ("kind", "fields", "code"),
    [
        ("picks", {}, "content_picks_missing"),
        ("news", {"body": "", "body_en": ""}, "content_body_missing"),
        ("promotion", {}, "content_offer_missing"),
    ],
)
def test_publishing_needs_the_content_of_its_kind(kind, fields, code):
    saved = content_item_save(draft=draft(kind, **fields))
    with pytest.raises(ValidationFailed) as exc:
        content_item_publish(item_id=saved.pk)
    assert exc.value.code == code
    saved.refresh_from_db()
    assert saved.status == "draft" and saved.published_at is None


def test_a_promotion_of_a_paused_offer_is_not_published():
    offer = make_offer(status="paused")
    saved = content_item_save(draft=draft("promotion", offer_id=offer.pk))
    with pytest.raises(ValidationFailed) as exc:
        content_item_publish(item_id=saved.pk)
    assert exc.value.code == "content_offer_inactive"


def test_an_end_already_past_is_not_published():
    saved = content_item_save(draft=draft("news", **window(-5, -1)))
    with pytest.raises(ValidationFailed) as exc:
        content_item_publish(item_id=saved.pk)
    assert exc.value.code == "content_window_past"


def test_draft_published_archived_and_archived_stays():
    store = make_store()
    saved = item("news", store_ids=[store.pk])
    at = clock.now()
    published = content_item_publish(item_id=saved.pk, at=at)
    assert published.status == "published" and published.published_at == at
    assert content_item_publish(item_id=saved.pk).published_at == at  # idempotent
    archived = content_item_archive(item_id=saved.pk)
    assert archived.status == "archived" and archived.archived_at is not None
    with pytest.raises(Conflict) as exc:
        content_item_publish(item_id=saved.pk)
    assert exc.value.code == "content_archived"
    with pytest.raises(Conflict):
        content_item_save(item_id=saved.pk, draft=draft("news", title="改"))
    saved.refresh_from_db()
    assert saved.title == "秋季上新"


def test_editing_a_live_item_cannot_make_it_unpublishable():
    a = make_product("A1")
    live = item("picks", product_ids=[a.pk], publish=True)
    with pytest.raises(ValidationFailed) as exc:
        content_item_save(item_id=live.pk, draft=draft("picks", product_ids=[], title="新"))
    assert exc.value.code == "content_picks_missing"
    live.refresh_from_db()
    assert live.title == "秋季上新" and live.picks.count() == 1


def test_the_kind_is_fixed():
    saved = item("news")
    with pytest.raises(ValidationFailed) as exc:
        content_item_save(item_id=saved.pk, draft=draft("picks"))
    assert exc.value.code == "content_kind_fixed"


def test_the_window_is_kept_aware():
    start = clock.now() + timedelta(days=1)
    saved = item("news", publish_at=start, unpublish_at=start + timedelta(days=7))
    saved.refresh_from_db()
    assert saved.publish_at == start and saved.publish_at.tzinfo is not None
