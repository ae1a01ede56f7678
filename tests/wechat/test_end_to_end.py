"""Issue 6's acceptance path: a store assistant's parametric QR code, created through our API
on the (fake) WeChat server, scanned by a new follower (subscribe with qrscene_), through the
real callback and its background task; the follower joins through the H5 with their join link,
or is already a member, and ends bound to that assistant."""

from __future__ import annotations

import json

import pytest

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.attribution.models import MemberBinding
from omniloop.members.models import IdentityKind, MemberIdentity
from omniloop.touchpoints.models import ScanEvent, Touchpoint
from omniloop.wechat.followers import follower_join_token
from omniloop.wechat.models import WechatFollower, WechatQrCode
from tests.factories import make_member, make_store, make_touchpoint, make_user
from tests.h5.helpers import as_member, code_from, join
from tests.wechat import wire
from tests.wechat.conftest import APP_ID
from tests.wechat.helpers import now_ts, post_safe

pytestmark = pytest.mark.django_db


@pytest.fixture
def assistant_code(client, wechat_safe):
    store = make_store("sh01")
    assistant = make_user(Role.ASSISTANT, store)
    card = make_touchpoint(Touchpoint.Kind.ASSISTANT_CARD, store=store, assistant=assistant)
    secret = token_create(name="crm", role=Role.MARKETER).secret
    r = client.post(
        "/api/v1/wechat/qrcodes",
        data=json.dumps({"touchpoint_id": card.pk, "permanent": True}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert r.status_code == 201, r.content
    return card, r.json()["ticket"]


def _scan_to_subscribe(client, openid: str, card: Touchpoint, ticket: str) -> None:
    xml = wire.event_xml(
        openid=openid,
        event="subscribe",
        create_time=now_ts(),
        key=f"qrscene_{card.scene}",
        ticket=ticket,
    )
    r = post_safe(client, xml, by="wechatpy")
    assert (r.status_code, r.content) == (200, b"success")


def test_a_new_follower_joins_and_is_bound_to_the_assistant(client, assistant_code, sms_outbox):
    card, ticket = assistant_code
    _scan_to_subscribe(client, "o-newcomer", card, ticket)
    follower = WechatFollower.objects.get(openid="o-newcomer")
    assert follower.member_id is None
    assert WechatQrCode.objects.get(ticket=ticket).scans == 1

    # The follower opens their join link in WeChat's browser and joins with a phone.
    browser = client.__class__()
    r = browser.get(f"/m/join?wx={follower_join_token(follower=follower)}")
    assert r.status_code == 200
    phone = "13800138123"
    assert browser.post("/m/join/otp", {"phone": phone}).status_code == 200
    r = join(browser, phone, code_from(sms_outbox))
    assert r.status_code == 302, r.content

    follower.refresh_from_db()
    member = follower.member
    assert member is not None
    binding = MemberBinding.objects.get(member=member)
    assert (binding.store_id, binding.assistant_id, binding.touchpoint_id) == (
        card.store_id,
        card.assistant_id,
        card.pk,
    )
    assert binding.recruited_assistant_id == card.assistant_id
    assert MemberIdentity.objects.get(kind=IdentityKind.WECHAT_OPENID).member_id == member.pk
    assert ScanEvent.objects.get().member_id == member.pk


def test_an_existing_member_is_bound_as_they_scan(client, assistant_code):
    card, ticket = assistant_code
    member = make_member()
    MemberIdentity.objects.create(
        member=member, kind=IdentityKind.WECHAT_OPENID, namespace=APP_ID, value="o-regular"
    )
    _scan_to_subscribe(client, "o-regular", card, ticket)
    binding = MemberBinding.objects.get(member=member)
    assert (binding.store_id, binding.assistant_id) == (card.store_id, card.assistant_id)


def test_a_signed_in_member_opening_the_link_takes_the_follower(client, assistant_code):
    card, ticket = assistant_code
    _scan_to_subscribe(client, "o-signed-in", card, ticket)
    follower = WechatFollower.objects.get()
    member = make_member()
    browser = as_member(client.__class__(), member)
    r = browser.get(f"/m/join?wx={follower_join_token(follower=follower)}")
    assert r.status_code == 302
    follower.refresh_from_db()
    assert follower.member_id == member.pk
    assert MemberBinding.objects.get(member=member).assistant_id == card.assistant_id


def test_a_forged_join_link_links_nothing(client, assistant_code, sms_outbox):
    card, ticket = assistant_code
    _scan_to_subscribe(client, "o-victim", card, ticket)
    browser = client.__class__()
    r = browser.get("/m/join?wx=forged.token.value")
    assert r.status_code == 200
    assert "ol_vid" not in r.cookies
    phone = "13800138124"
    browser.post("/m/join/otp", {"phone": phone})
    join(browser, phone, code_from(sms_outbox))
    assert WechatFollower.objects.get().member_id is None
    assert not MemberBinding.objects.exists()
