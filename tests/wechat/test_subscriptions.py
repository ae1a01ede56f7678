"""Subscription notices (订阅通知): each follower's answer per template, recorded from the
callback events WeChat sends (built here as WeChat does, encrypted and signed by wechatpy),
with a history; a cancellation withdraws; a late older event does not win; a replay and a bad
signature have no effect."""

from __future__ import annotations

import pytest

from omniloop.wechat.models import WechatFollower, WechatInbound, WechatSubscription
from omniloop.wechat.subscriptions import subscriptions_accepted
from tests.factories import make_member
from tests.wechat.helpers import now_ts, post_safe
from tests.wechat.subscription_events import change_xml, popup_xml, post_event

pytestmark = pytest.mark.django_db


def _state(openid: str, template_id: str) -> str:
    return WechatSubscription.objects.get(follower__openid=openid, template_id=template_id).state


def _history(openid: str, template_id: str) -> list[tuple[str, str]]:
    sub = WechatSubscription.objects.get(follower__openid=openid, template_id=template_id)
    return list(sub.changes.order_by("pk").values_list("source", "state"))


def test_a_popup_records_accept_and_reject_per_template(client, wechat_safe):
    post_event(client, popup_xml("o-pop", {"TPL-A": "accept", "TPL-B": "reject"}))
    assert _state("o-pop", "TPL-A") == "accepted"
    assert _state("o-pop", "TPL-B") == "rejected"
    row = WechatInbound.objects.get(event="subscribe_msg_popup_event")
    assert row.outcome == "sub_popup:1+1"
    follower = WechatFollower.objects.get(openid="o-pop")
    # Answering a popup is no proof of following, and does not open the 48-hour window.
    assert (follower.subscribed, follower.last_interaction_at) == (False, None)


def test_a_cancellation_withdraws_and_history_is_kept(client, wechat_safe):
    post_event(client, popup_xml("o-chg", {"TPL-A": "accept"}))
    post_event(client, change_xml("o-chg", {"TPL-A": "reject"}))
    assert _state("o-chg", "TPL-A") == "withdrawn"
    post_event(client, change_xml("o-chg", {"TPL-A": "accept"}))  # re-enabled in settings
    assert _history("o-chg", "TPL-A") == [
        ("popup", "accepted"),
        ("change", "withdrawn"),
        ("change", "accepted"),
    ]
    assert _state("o-chg", "TPL-A") == "accepted"


def test_an_older_event_processed_late_does_not_win(client, wechat_safe):
    ts = now_ts()
    post_event(client, change_xml("o-late", {"TPL-A": "reject"}, create_time=ts - 5))
    post_event(client, popup_xml("o-late", {"TPL-A": "accept"}, create_time=ts - 60))
    assert _state("o-late", "TPL-A") == "withdrawn"
    assert len(_history("o-late", "TPL-A")) == 2


def test_a_replay_and_a_bad_signature_change_nothing(client, wechat_safe, settings):
    xml = popup_xml("o-rep", {"TPL-A": "accept"})
    post_event(client, xml)
    post_event(client, xml)  # WeChat's retry: same sender and CreateTime
    assert _history("o-rep", "TPL-A") == [("popup", "accepted")]
    forged = popup_xml("o-forged", {"TPL-A": "accept"})
    r = post_safe(client, forged, key="A" * 43)  # encrypted with another account's key
    assert r.status_code in (400, 403)
    assert not WechatSubscription.objects.filter(follower__openid="o-forged").exists()


def test_accepted_subscriptions_are_found_per_member_and_template(client, wechat_safe):
    member = make_member()
    post_event(client, popup_xml("o-m", {"TPL-A": "accept", "TPL-B": "reject"}))
    WechatFollower.objects.filter(openid="o-m").update(member=member, subscribed=True)
    assert subscriptions_accepted([member.pk]) == {(member.pk, "TPL-A"): "o-m"}
    WechatFollower.objects.filter(openid="o-m").update(subscribed=False)  # unfollowed
    assert subscriptions_accepted([member.pk]) == {}


def test_subscriptions_are_in_the_export_and_go_with_an_erasure(client, wechat_safe):
    from omniloop.wechat.privacy import wechat_erase, wechat_export

    member = make_member()
    post_event(client, popup_xml("o-priv", {"TPL-A": "accept"}))
    WechatFollower.objects.filter(openid="o-priv").update(member=member, subscribed=True)
    [entry] = wechat_export(member)
    assert [(s["template_id"], s["state"]) for s in entry["subscriptions"]] == [
        ("TPL-A", "accepted")
    ]
    wechat_erase(member)
    assert not WechatSubscription.objects.exists()
