"""Membership-card activation (开卡) carrying our member through `outer_str` (ADR 31): the
activation URL decrypts the code through the adapter, asks WeChat who holds it, activates with
our member code, links the follower and binds per the attribution rules as a scan would; errors
carry stable codes and write nothing. The card-bag events (wechatpy-encrypted, through the real
callback) keep the member's card state."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from omniloop.accounts.models import Role
from omniloop.attribution.models import MemberBinding
from omniloop.touchpoints.models import ScanEvent, Touchpoint
from omniloop.wechat.cards import card_outer_str
from omniloop.wechat.models import WechatFollower, WechatMemberCard
from tests.factories import make_member, make_store, make_touchpoint, make_user
from tests.wechat.helpers import now_ts, post_safe

pytestmark = pytest.mark.django_db
CARD_ID = "pFS7Fjg8kV1IdDz01r4SQwMkuCKc"


@pytest.fixture
def assistant_card(db):
    store = make_store("sh01")
    assistant = make_user(Role.ASSISTANT, store)
    return make_touchpoint(Touchpoint.Kind.ASSISTANT_CARD, store=store, assistant=assistant)


def _open(client, *, encrypt_code: str, outer_str: str, card_id: str = CARD_ID):
    query = urlencode({"card_id": card_id, "encrypt_code": encrypt_code, "outer_str": outer_str})
    return client.get(f"/m/card/activate?{query}")


def _activations(fake):
    return fake.calls_to("card/membercard/activate")


def test_activation_carries_our_member_and_binds_like_a_scan(client, wechat, assistant_card):
    member = make_member()
    wechat.card_give(card_id=CARD_ID, code="110201201245", openid="o-card", encrypt_code="ENC+1/=")
    token = card_outer_str(scene=assistant_card.scene, member_id=member.pk)
    assert len(token) <= 128
    r = _open(client, encrypt_code="ENC+1/=", outer_str=token)
    assert r.status_code == 200 and b'data-testid="card-activated"' in r.content
    assert [c.body for c in _activations(wechat)] == [
        {"card_id": CARD_ID, "code": "110201201245", "membership_number": member.code}
    ]
    card = WechatMemberCard.objects.get()
    assert (card.code, card.openid, card.member_id, card.state) == (
        "110201201245",
        "o-card",
        member.pk,
        "active",
    )
    assert WechatFollower.objects.get(openid="o-card").member_id == member.pk
    binding = MemberBinding.objects.get(member=member)
    assert (binding.store_id, binding.assistant_id, binding.touchpoint_id) == (
        assistant_card.store_id,
        assistant_card.assistant_id,
        assistant_card.pk,
    )
    assert ScanEvent.objects.get(touchpoint=assistant_card).member_id == member.pk
    # A reload finds the card active: WeChat is not asked to activate it again.
    assert _open(client, encrypt_code="ENC+1/=", outer_str=token).status_code == 200
    assert len(_activations(wechat)) == 1


def test_the_signed_in_member_is_used_when_the_token_names_none(client, wechat, assistant_card):
    from omniloop.h5.session import member_login

    member = make_member()
    session_req = client.get("/m/").wsgi_request  # a session for the browser
    member_login(session_req, member_id=member.pk)
    session_req.session.save()
    client.cookies["sessionid"] = session_req.session.session_key
    wechat.card_give(card_id=CARD_ID, code="220", openid="o-self", encrypt_code="ENC2")
    r = _open(client, encrypt_code="ENC2", outer_str=card_outer_str(scene=assistant_card.scene))
    assert r.status_code == 200
    assert wechat.card_activated == {"220": member.code}


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("forged", 400, "card_token_invalid"),
        ("no_member", 403, "card_member_required"),
        ("bad_code", 400, "card_code_invalid"),
        ("other_member", 409, "card_other_member"),
        ("refused", 502, "card_activate_failed"),
    ],
)
def test_errors_have_stable_codes_and_write_nothing(
    client, wechat, assistant_card, case, status, code
):
    member = make_member()
    wechat.card_give(card_id=CARD_ID, code="330", openid="o-err", encrypt_code="ENC3")
    token = card_outer_str(scene=assistant_card.scene, member_id=member.pk)
    encrypt_code = "ENC3"
    if case == "forged":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif case == "no_member":
        token = card_outer_str(scene=assistant_card.scene)
    elif case == "bad_code":
        encrypt_code = "not-a-code"
    elif case == "other_member":
        from omniloop.touchpoints.models import Visitor

        other = make_member()
        WechatFollower.objects.create(
            openid="o-err",
            member=other,
            visitor=Visitor.objects.create(key="k-other", created_at=other.joined_at),
            created_at=other.joined_at,
        )
    elif case == "refused":
        wechat.fail("card/membercard/activate", 40056)
    r = _open(client, encrypt_code=encrypt_code, outer_str=token)
    assert r.status_code == status
    assert code.encode() in r.content
    assert not WechatMemberCard.objects.exists()
    assert not MemberBinding.objects.filter(member=member).exists()
    assert wechat.card_activated == {}


def _card_event(client, openid: str, event: str, code: str, outer_str: str = "", t: int = 0):
    xml = (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{now_ts() - t}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event><CardId><![CDATA[{CARD_ID}]]></CardId>"
        f"<UserCardCode><![CDATA[{code}]]></UserCardCode>"
        f"<IsGiveByFriend>0</IsGiveByFriend><OuterStr><![CDATA[{outer_str}]]></OuterStr></xml>"
    )
    r = post_safe(client, xml, by="wechatpy")
    assert (r.status_code, r.content) == (200, b"success")


def test_card_bag_events_keep_the_members_card_state(client, wechat_safe, assistant_card):
    member = make_member()
    token = card_outer_str(scene=assistant_card.scene, member_id=member.pk)
    _card_event(client, "o-bag", "user_get_card", "440", token, t=5)
    card = WechatMemberCard.objects.get(code="440")
    assert (card.state, card.member_id, card.outer_str) == ("received", member.pk, token)
    _card_event(client, "o-bag", "user_del_card", "440", t=3)
    card.refresh_from_db()
    assert card.state == "deleted" and card.deleted_at is not None
    _card_event(client, "o-bag", "user_get_card", "440", t=1)  # taken again
    card.refresh_from_db()
    assert card.state == "received" and card.deleted_at is None
    _card_event(client, "o-bag", "user_get_card", "999", "forged:token")
    assert WechatMemberCard.objects.get(code="999").member_id is None


def test_a_code_of_another_card_and_an_outage_are_told_apart(client, wechat, assistant_card):
    member = make_member()
    wechat.card_give(card_id="pOTHER", code="550", openid="o-x", encrypt_code="ENC5")
    token = card_outer_str(scene=assistant_card.scene, member_id=member.pk)
    r = _open(client, encrypt_code="ENC5", outer_str=token)  # the code is pOTHER's, not ours
    assert r.status_code == 400 and b"card_code_invalid" in r.content
    wechat.card_give(card_id=CARD_ID, code="660", openid="o-y", encrypt_code="ENC6")
    wechat.fail("card/code/get", -1)  # WeChat busy: retry later, not "invalid"
    r = _open(client, encrypt_code="ENC6", outer_str=token)
    assert r.status_code == 503 and b"wechat_unavailable" in r.content
    assert not WechatMemberCard.objects.exists() and wechat.card_activated == {}
