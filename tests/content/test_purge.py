"""The demo's reset clears content first: picks and promotions hold products and offers with
PROTECT, so without it a reset after writing content would fail."""

from __future__ import annotations

import pytest

from omniloop.catalog.models import Product
from omniloop.content.models import ContentItem, ContentPick, ContentPush
from omniloop.content.push import content_push
from omniloop.demo.reset import demo_reset
from omniloop.promotions.models import Offer
from tests.campaigns.helpers import everyone_segment
from tests.content.helpers import item
from tests.factories import make_product
from tests.messaging.conftest import member_with
from tests.promotions.coupon_helpers import make_template

pytestmark = pytest.mark.django_db


def test_a_reset_clears_content_that_holds_products_offers_and_pushes(settings):
    settings.OMNILOOP_MESSAGING_QUIET_HOURS = (0, 0)
    member_with()
    picks = item("picks", product_ids=[make_product("JK1").pk], publish=True)
    item("promotion", coupon_template_id=make_template().pk, publish=True)
    content_push(item_id=picks.pk, segment_id=everyone_segment().pk)
    deleted = demo_reset()
    assert (deleted["ContentItem"], deleted["ContentPick"], deleted["ContentPush"]) == (2, 1, 1)
    assert not ContentItem.objects.exists() and not ContentPick.objects.exists()
    assert not ContentPush.objects.exists()
    assert not Product.objects.exists() and not Offer.objects.exists()
