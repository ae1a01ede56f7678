"""subscribe (with qrscene_), SCAN and unsubscribe, through the endpoint and the background
task: scans recorded, known members bound by the binding rules, reachability kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from omniloop.accounts.models import Role
from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.core import clock
from omniloop.members.models import IdentityKind, MemberIdentity
from omniloop.members.services import identity_attach, member_merge
from omniloop.touchpoints.models import ScanEvent, Touchpoint
from omniloop.wechat.models import WechatFollower, WechatInbound, WechatQrCode
from tests.factories import make_member, make_store, make_touchpoint, make_user
from tests.wechat import wire
from tests.wechat.conftest import APP_ID
from tests.wechat.helpers import now_ts, post_plain, post_safe

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(db):
    store = make_store("sh01")
    assistant = make_user(Role.ASSISTANT, store)
    return make_touchpoint(Touchpoint.Kind.ASSISTANT_CARD, store=store, assistant=assistant)


def _event(openid: str, event: str, *, key: str | None = None, ticket: str | None = None, t=None):
    return wire.event_xml(
        openid=openid, event=event, create_time=t or now_ts(), key=key, ticket=ticket
    )


def test_a_new_follower_scanning_a_code_is_kept_as_a_visitor(client, wechat, card):
    r = post_plain(client, _event("o-new", "subscribe", key=f"qrscene_{card.scene}"))
    assert r.status_code == 200
    follower = WechatFollower.objects.get(openid="o-new")
    assert (follower.subscribed, follower.member_id) == (True, None)
    assert follower.subscribed_at == follower.last_interaction_at
    scan = ScanEvent.objects.get()
    assert (scan.touchpoint_id, scan.visitor_id, scan.member_id) == (
        card.pk,
        follower.visitor_id,
        None,
    )
    assert (scan.store_id, scan.assistant_id) == (card.store_id, card.assistant_id)
    assert not MemberBinding.objects.exists()
    assert WechatInbound.objects.get().outcome == "scan_recorded"


def test_a_known_member_subscribing_through_a_code_is_bound(client, wechat_safe, card):
    member = make_member()
    identity_attach(member=member, kind=IdentityKind.WECHAT_OPENID, value="o-m", namespace=APP_ID)
    r = post_safe(client, _event("o-m", "subscribe", key=f"qrscene_{card.scene}"), by="wechatpy")
    assert r.status_code == 200
    binding = MemberBinding.objects.get(member=member)
    assert (binding.store_id, binding.assistant_id, binding.touchpoint_id) == (
        card.store_id,
        card.assistant_id,
        card.pk,
    )
    assert BindingChange.objects.get(member=member).source == "wechat_scan"
    assert ScanEvent.objects.get().member_id == member.pk
    assert WechatFollower.objects.get().member_id == member.pk
    assert WechatInbound.objects.get().outcome == "scan_bound:bound"


def test_scan_by_an_existing_follower_counts_on_its_code_and_binds(client, wechat, card):
    member = make_member()
    identity_attach(member=member, kind=IdentityKind.WECHAT_OPENID, value="o-s", namespace=APP_ID)
    code = WechatQrCode.objects.create(
        touchpoint=card,
        permanent=True,
        scene=card.scene,
        ticket="TICKET-1",
        url="u",
        created_at=clock.now(),
    )
    post_plain(client, _event("o-s", "subscribe"))
    assert not ScanEvent.objects.exists()
    assert not MemberBinding.objects.exists()
    for i in range(3):
        t = now_ts() + i
        post_plain(client, _event("o-s", "SCAN", key=card.scene, ticket="TICKET-1", t=t))
    code.refresh_from_db()
    assert code.scans == ScanEvent.objects.count() == 3
    assert MemberBinding.objects.get(member=member).assistant_id == card.assistant_id
    assert BindingChange.objects.filter(member=member).count() == 1  # first touch only


def test_an_assistant_scanned_after_protection_takes_the_member_over(client, wechat, card):
    member = make_member()
    identity_attach(member=member, kind=IdentityKind.WECHAT_OPENID, value="o-t", namespace=APP_ID)
    other = make_touchpoint(
        Touchpoint.Kind.ASSISTANT_CARD,
        store=card.store,
        assistant=make_user(Role.ASSISTANT, card.store),
    )
    post_plain(client, _event("o-t", "subscribe", key=f"qrscene_{card.scene}"))
    post_plain(client, _event("o-t", "SCAN", key=other.scene, t=now_ts() + 1))
    assert MemberBinding.objects.get().assistant_id == card.assistant_id  # protected
    with freeze_time(clock.now() + timedelta(days=91)):
        post_plain(client, _event("o-t", "SCAN", key=other.scene))
    assert MemberBinding.objects.get().assistant_id == other.assistant_id


def test_unsubscribe_marks_the_follower_unreachable(client, wechat, card):
    post_plain(client, _event("o-u", "subscribe", key=f"qrscene_{card.scene}"))
    before = WechatFollower.objects.get().last_interaction_at
    post_plain(client, _event("o-u", "unsubscribe", t=now_ts() + 5))
    follower = WechatFollower.objects.get()
    assert (follower.subscribed, follower.unsubscribed_at is not None) == (False, True)
    assert follower.last_interaction_at == before  # leaving opens no window
    post_plain(client, _event("o-u", "subscribe", t=now_ts() + 9))
    follower.refresh_from_db()
    assert (follower.subscribed, follower.unsubscribed_at) == (True, None)


def test_an_unknown_scene_records_no_scan(client, wechat):
    post_plain(client, _event("o-x", "subscribe", key="qrscene_notours123"))
    assert not ScanEvent.objects.exists()
    assert WechatInbound.objects.get().outcome == "scene_unknown"
    assert WechatFollower.objects.get().subscribed


def test_a_retried_subscribe_scan_records_one_scan(client, wechat, card):
    xml = _event("o-r", "subscribe", key=f"qrscene_{card.scene}")
    for _ in range(3):
        post_plain(client, xml)
    assert ScanEvent.objects.count() == 1


def test_a_merge_moves_the_follower(client, wechat, card):
    a, b = make_member(), make_member()
    identity_attach(member=b, kind=IdentityKind.WECHAT_OPENID, value="o-mm", namespace=APP_ID)
    post_plain(client, _event("o-mm", "subscribe"))
    outcome = member_merge(survivor_id=a.pk, merged_id=b.pk, actor="test", reason="duplicate")
    assert outcome.moved["wechat_followers"] == 1
    assert WechatFollower.objects.get().member_id == a.pk
    assert MemberIdentity.objects.get(kind=IdentityKind.WECHAT_OPENID).member_id == a.pk


def test_a_new_followers_unionid_is_asked_for_and_links_a_known_member(client, wechat, card):
    member = make_member()
    identity_attach(member=member, kind=IdentityKind.WECHAT_UNIONID, value="u-from-miniapp")
    wechat.unionids["o-uni"] = "u-from-miniapp"
    post_plain(client, _event("o-uni", "subscribe", key=f"qrscene_{card.scene}"))
    follower = WechatFollower.objects.get()
    assert (follower.unionid, follower.member_id) == ("u-from-miniapp", member.pk)
    assert MemberIdentity.objects.get(kind=IdentityKind.WECHAT_OPENID).member_id == member.pk
    assert MemberBinding.objects.get(member=member).assistant_id == card.assistant_id
    (call,) = wechat.calls_to("user/info")
    assert call.query["openid"] == "o-uni"
    # Later messages from a known follower cost no API call.
    post_plain(client, wire.text_xml(openid="o-uni", content="hi", create_time=now_ts(), msg_id=8))
    assert len(wechat.calls_to("user/info")) == 1


def test_user_info_failing_does_not_lose_the_event(client, wechat, card):
    wechat.fail("user/info", 45009)
    post_plain(client, _event("o-busy", "subscribe", key=f"qrscene_{card.scene}"))
    follower = WechatFollower.objects.get()
    assert (follower.subscribed, follower.unionid) == (True, "")
    assert ScanEvent.objects.count() == 1
