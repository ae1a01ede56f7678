"""A follower scanning the lottery's parametric WeChat code (subscribe with qrscene_, or SCAN)
enters it when they are a member; a follower who has not joined is only a scan."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core import clock
from omniloop.growth.lottery import LotteryInput, lottery_create
from omniloop.growth.models import LotteryEntry
from omniloop.members.models import IdentityKind
from omniloop.members.services import identity_attach
from omniloop.touchpoints.models import ScanEvent
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_template
from tests.wechat import conftest as wechat_fixtures
from tests.wechat import wire
from tests.wechat.conftest import APP_ID
from tests.wechat.helpers import now_ts, post_plain

fake_wechat, wechat = wechat_fixtures.fake_wechat, wechat_fixtures.wechat
pytestmark = pytest.mark.django_db


def _event(openid: str, event: str, key: str, t: int | None = None) -> str:
    return wire.event_xml(openid=openid, event=event, create_time=t or now_ts(), key=key)


def test_following_through_the_lottery_code_enters_a_member_once(client, wechat):
    now = clock.now()
    lot = lottery_create(
        data=LotteryInput(
            title="关注有礼",
            coupon_template_id=make_template().pk,
            winners=1,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1),
            requires_follow=True,
        )
    )
    member = make_member()
    identity_attach(member=member, kind=IdentityKind.WECHAT_OPENID, value="o-lot", namespace=APP_ID)
    scene = lot.touchpoint.scene
    assert post_plain(client, _event("o-lot", "subscribe", f"qrscene_{scene}")).status_code == 200
    post_plain(client, _event("o-lot", "SCAN", scene, t=now_ts() + 5))
    [entry] = LotteryEntry.objects.filter(lottery=lot)
    assert (entry.member_id, entry.source) == (member.pk, "wechat")
    # A follower who is not a member: the scan is kept, no entry.
    post_plain(client, _event("o-stranger", "subscribe", f"qrscene_{scene}"))
    assert ScanEvent.objects.filter(touchpoint=lot.touchpoint).count() == 3
    assert LotteryEntry.objects.filter(lottery=lot).count() == 1
