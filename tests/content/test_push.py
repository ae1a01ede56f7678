"""Pushing an item to a segment: one outbox message per member of the segment version with the
tracked link to the item, once per (item, version), once per member and item across versions;
the counts come from the outbox; the worker sends in the member's language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from omniloop.content.models import ContentPush
from omniloop.content.push import content_push, push_counts
from omniloop.content.services import content_item_archive
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.insights.features import features_rebuild
from omniloop.insights.services import segment_refresh
from omniloop.messaging.delivery import deliver_due
from omniloop.messaging.links import track_token
from omniloop.messaging.models import Message, MessagingProfile
from tests.campaigns.helpers import everyone_segment
from tests.content.helpers import item, window
from tests.messaging.conftest import member_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet_off(settings):
    settings.OMNILOOP_MESSAGING_QUIET_HOURS = (0, 0)


def test_a_push_queues_one_message_per_member_with_the_link(quiet_off):
    members = [member_with(consents=("sms",)) for _ in range(3)]
    segment = everyone_segment()
    news = item(publish=True, summary="十月新品", summary_en="October arrivals")
    result = content_push(item_id=news.pk, segment_id=segment.pk, channel="sms")
    push = result.push
    assert result.created and push.queued == 3 and push.audience == 3
    rows = list(Message.objects.filter(cause=push.cause).order_by("member_id"))
    assert [m.member_id for m in rows] == sorted(m.pk for m in members)
    assert {m.template for m in rows} == {"content_push"}
    assert {m.dedupe_key for m in rows} == {f"content:{news.pk}:{m.pk}" for m in members}
    assert {m.context["link_url"] for m in rows} == {
        f"{settings.OMNILOOP_BASE_URL}/m/news/{news.pk}?via=push"
    }
    assert rows[0].channel_requested == "sms"


def test_pushing_the_same_version_again_queues_nothing(quiet_off):
    for _ in range(2):
        member_with()
    segment = everyone_segment()
    news = item(publish=True)
    first = content_push(item_id=news.pk, segment_id=segment.pk)
    again = content_push(item_id=news.pk, segment_id=segment.pk)
    assert not again.created and again.push.pk == first.push.pk
    assert Message.objects.count() == 2 and ContentPush.objects.count() == 1


def test_a_new_version_reaches_only_the_members_not_yet_reached(quiet_off):
    member_with()
    segment = everyone_segment()
    news = item(publish=True)
    first = content_push(item_id=news.pk, segment_id=segment.pk).push
    newcomer = member_with()
    features_rebuild()
    segment_refresh(segment)
    second = content_push(item_id=news.pk, segment_id=segment.pk).push
    assert second.pk != first.pk and second.audience == 2 and second.queued == 1
    assert Message.objects.get(cause=second.cause).member_id == newcomer.pk


@pytest.mark.parametrize("state", ["draft", "scheduled", "archived"])
def test_only_a_live_item_is_pushed(state, quiet_off):
    member_with()
    segment = everyone_segment()
    news = item(publish=state != "draft", **(window(3) if state == "scheduled" else {}))
    if state == "archived":
        content_item_archive(item_id=news.pk)
    with pytest.raises(Conflict) as exc:
        content_push(item_id=news.pk, segment_id=segment.pk)
    assert exc.value.code == "content_not_live"
    assert Message.objects.count() == 0 and ContentPush.objects.count() == 0


def test_bad_input_writes_nothing():
    news = item(publish=True)
    with pytest.raises(ValidationFailed):
        content_push(item_id=news.pk, segment_id=1, channel="wechat_cs")
    with pytest.raises(NotFound):
        content_push(item_id=news.pk, segment_id=10**9)
    assert ContentPush.objects.count() == 0


def test_counts_follow_the_outbox_sends_and_clicks(quiet_off, sms_outbox):
    zh = member_with(consents=("sms",))
    en = member_with(consents=("sms",))
    MessagingProfile.objects.create(member=en, language="en")
    no_consent = member_with(consents=())
    segment = everyone_segment()
    news = item(publish=True, summary="十月新品", summary_en="October arrivals")
    push = content_push(item_id=news.pk, segment_id=segment.pk, channel="sms").push
    assert push_counts(push).queued == 3
    deliver_due(max_seconds=10)  # (the push asked for a round already; this one finishes)
    counts = push_counts(push)
    assert (counts.sent, counts.suppressed, counts.waiting) == (2, 1, 0)
    suppressed = Message.objects.get(cause=push.cause, status="suppressed")
    assert suppressed.member_id == no_consent.pk
    texts = {m.text for m in sms_outbox}
    zh_text = next(t for t in texts if "秋季上新" in t)
    en_text = next(t for t in texts if "Autumn arrivals" in t)
    assert "十月新品" in zh_text and "Autumn" not in zh_text and "October" not in zh_text
    assert "October arrivals" in en_text and "秋季" not in en_text
    sent = Message.objects.get(cause=push.cause, member=zh)
    token = track_token(sent, sent.context["link_url"])
    response = Client().get(f"/msg/c/{token}/")
    assert response.status_code == 302 and response["Location"].endswith(
        f"/m/news/{news.pk}?via=push"
    )
    Client().get(f"/msg/c/{token}/")  # a second click by the same member counts once
    assert push_counts(push).clicked == 1
    assert en.pk  # the English member got the English text above
