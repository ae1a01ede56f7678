"""Content pushes released at once on PostgreSQL: the same item to the same segment version from
several connections is one push and one message per member; two items pushed at once each
reach every member once."""

from __future__ import annotations

import pytest
from django.db.models import Count

from omniloop.content.models import ContentPush
from omniloop.content.push import content_push
from omniloop.insights.services import segment_refresh
from omniloop.messaging.models import Message
from tests.campaigns.helpers import everyone_segment, make_members
from tests.concurrency.helpers import outcomes, run_at_once
from tests.content.helpers import item

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_pushes_of_one_version_are_one_push(settings):
    settings.OMNILOOP_MESSAGING_QUIET_HOURS = (0, 0)
    make_members(120)
    segment = everyone_segment()
    segment_refresh(segment)
    news = item(publish=True)

    results = run_at_once(6, lambda _: content_push(item_id=news.pk, segment_id=segment.pk))

    assert outcomes(results, ok=lambda r: "created" if r.created else "replayed") == {
        "created": 1,
        "replayed": 5,
    }
    assert len({r.push.pk for r in results}) == 1
    push = ContentPush.objects.get()
    assert push.queued == 120 == Message.objects.filter(cause=push.cause).count()
    twice = Message.objects.values("member_id").annotate(n=Count("pk")).filter(n__gt=1)
    assert not twice.exists()


def test_two_items_pushed_at_once_each_reach_every_member_once(settings):
    settings.OMNILOOP_MESSAGING_QUIET_HOURS = (0, 0)
    make_members(80)
    segment = everyone_segment()
    segment_refresh(segment)
    items = [item(publish=True, title=f"第{i}篇") for i in range(2)]

    results = run_at_once(4, lambda i: content_push(item_id=items[i % 2].pk, segment_id=segment.pk))

    assert sum(1 for r in results if r.created) == 2
    for news in items:
        cause = ContentPush.objects.get(item=news).cause
        assert Message.objects.filter(cause=cause).count() == 80
