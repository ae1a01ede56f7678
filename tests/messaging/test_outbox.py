"""message_enqueue: in the cause's transaction, deduplicated by key."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils.timezone import now

from omniloop.core.errors import ValidationFailed
from omniloop.messaging.models import Message
from omniloop.messaging.outbox import (
    message_enqueue,
    message_to_follower_enqueue,
    messages_enqueue_for_members,
)
from omniloop.messaging.values import MessageKind, Status
from tests.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_message_is_queued_with_a_stable_id_and_the_templates_kind():
    member = make_member()
    msg = message_enqueue(
        member_id=member.pk, template="promotion", context={"brand": "B", "title": "t", "body": 1}
    )
    row = Message.objects.get()
    assert (row.uid, row.status, row.kind, row.context) == (
        msg.uid,
        Status.QUEUED,
        MessageKind.MARKETING,
        {"brand": "B", "title": "t", "body": "1"},
    )


def test_a_rolled_back_cause_leaves_no_message():
    member = make_member()
    with pytest.raises(RuntimeError), transaction.atomic():
        message_enqueue(member_id=member.pk, template="notice", context={"brand": "B", "body": "x"})
        raise RuntimeError("the cause fails")
    assert Message.objects.count() == 0


def test_the_same_dedupe_key_gives_one_message():
    member = make_member()
    ctx = {"brand": "B", "body": "x"}
    first = message_enqueue(member_id=member.pk, template="notice", context=ctx, dedupe_key="k1")
    with transaction.atomic():
        again = message_enqueue(
            member_id=member.pk, template="notice", context=ctx, dedupe_key="k1"
        )
    other = message_enqueue(member_id=member.pk, template="notice", context=ctx, dedupe_key="k2")
    assert again.uid == first.uid != other.uid
    assert Message.objects.count() == 2


def test_an_unknown_template_or_channel_is_refused_and_nothing_is_written():
    member = make_member()
    with pytest.raises(ValidationFailed) as err:
        message_enqueue(member_id=member.pk, template="nope")
    assert err.value.code == "template_unknown"
    with pytest.raises(ValidationFailed) as err:
        message_enqueue(member_id=member.pk, template="notice", channel="fax")
    assert err.value.code == "channel_unknown"
    assert Message.objects.count() == 0


def test_the_set_based_form_queues_one_per_active_member_and_a_rerun_adds_only_new_ones():
    members = [make_member() for _ in range(3)]
    ids = [m.pk for m in members]
    ctx = {"brand": "B", "title": "t", "body": "b"}
    n = messages_enqueue_for_members(
        member_ids=ids[:2], template="promotion", context=ctx, dedupe_prefix="c1"
    )
    again = messages_enqueue_for_members(
        member_ids=ids, template="promotion", context=ctx, dedupe_prefix="c1", chunk=2
    )
    assert (n, again) == (2, 1)
    rows = Message.objects.order_by("member_id")
    assert [r.member_id for r in rows] == ids
    assert {r.dedupe_key for r in rows} == {f"c1:{i}" for i in ids}
    assert len({r.uid for r in rows}) == 3
    assert all(r.context == ctx and r.status == "queued" for r in rows)


def test_a_rerun_of_the_same_campaign_writes_nothing_new():
    ids = [make_member().pk for _ in range(4)]
    ctx = {"brand": "B", "title": "t", "body": "b"}
    first = messages_enqueue_for_members(
        member_ids=ids, template="promotion", context=ctx, dedupe_prefix="c1", chunk=3
    )
    before = set(Message.objects.values_list("uid", "dedupe_key", "created_at"))
    again = messages_enqueue_for_members(
        member_ids=ids, template="promotion", context={**ctx, "body": "new"}, dedupe_prefix="c1"
    )
    assert (first, again) == (4, 0)
    assert set(Message.objects.values_list("uid", "dedupe_key", "created_at")) == before
    assert all(r.context == ctx for r in Message.objects.all())


def test_a_key_taken_mid_way_keeps_the_chunks_before_and_queues_the_rest():
    ids = [make_member().pk for _ in range(5)]
    ctx = {"brand": "B", "body": "x"}
    taken = message_enqueue(
        member_id=ids[2], template="notice", context=ctx, dedupe_key=f"c1:{ids[2]}"
    )
    with transaction.atomic():
        n = messages_enqueue_for_members(
            member_ids=list(reversed(ids)) + ids[:2],
            template="notice",
            context=ctx,
            dedupe_prefix="c1",
            chunk=2,
        )
    assert n == 4
    rows = Message.objects.order_by("member_id")
    assert [r.member_id for r in rows] == ids
    assert Message.objects.get(member_id=ids[2]).uid == taken.uid


def test_a_rolled_back_campaign_leaves_no_message_even_after_a_taken_key():
    ids = [make_member().pk for _ in range(3)]
    ctx = {"brand": "B", "body": "x"}
    message_enqueue(member_id=ids[0], template="notice", context=ctx, dedupe_key=f"c1:{ids[0]}")
    with pytest.raises(RuntimeError), transaction.atomic():
        n = messages_enqueue_for_members(
            member_ids=ids, template="notice", context=ctx, dedupe_prefix="c1", chunk=1
        )
        assert n == 2
        raise RuntimeError("the cause fails")
    assert list(Message.objects.values_list("member_id", flat=True)) == [ids[0]]


def test_members_own_variables_are_merged_over_the_shared_ones():
    a, b = make_member().pk, make_member().pk
    n = messages_enqueue_for_members(
        member_ids=[b, a],
        template="promotion",
        context={"brand": "B", "title": "t", "body": "shared"},
        member_context={a: {"body": "own", "coupon_code": 7}},
        dedupe_prefix="c1",
    )
    assert n == 2
    assert Message.objects.get(member_id=a).context == {
        "brand": "B",
        "title": "t",
        "body": "own",
        "coupon_code": "7",
    }
    assert Message.objects.get(member_id=b).context == {
        "brand": "B",
        "title": "t",
        "body": "shared",
    }


def test_a_reply_to_a_follower_who_has_not_joined_is_queued_by_openid_and_deduplicated():
    first = message_to_follower_enqueue(
        openid="o-guest", template="cs_reply", context={"body": "hi"}, dedupe_key="inbox:1"
    )
    again = message_to_follower_enqueue(
        openid="o-guest", template="cs_reply", context={"body": "hi"}, dedupe_key="inbox:1"
    )
    row = Message.objects.get()
    assert again.uid == first.uid == row.uid
    assert (row.member_id, row.openid, row.kind, row.channel_requested, row.status) == (
        None,
        "o-guest",
        MessageKind.TRANSACTIONAL,
        "wechat_cs",
        Status.QUEUED,
    )


def test_a_follower_who_has_not_joined_gets_no_marketing_and_an_openid_is_needed():
    with pytest.raises(ValidationFailed) as err:
        message_to_follower_enqueue(
            openid="o-guest", template="promotion", context={"brand": "B", "title": "t"}
        )
    assert err.value.code == "follower_marketing"
    with pytest.raises(ValidationFailed) as err:
        message_to_follower_enqueue(openid="", template="cs_reply", context={"body": "hi"})
    assert err.value.code == "openid_required"
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            member=None, template="cs_reply", kind="transactional", due_at=now(), created_at=now()
        )
    assert Message.objects.count() == 0
