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


def test_hq_creates_the_lotterys_temporary_wechat_code_once(client, wechat):
    from django.test import Client

    from omniloop.accounts.models import Role
    from omniloop.audit.models import AuditEvent
    from omniloop.wechat.models import WechatQrCode
    from tests.factories import make_user

    now = clock.now()
    lot = lottery_create(
        data=LotteryInput(
            title="扫码抽奖",
            coupon_template_id=make_template().pk,
            winners=1,
            opens_at=now,
            closes_at=now + timedelta(days=2),
            requires_follow=True,
        )
    )
    staff = Client()
    staff.force_login(make_user(Role.MARKETER))
    url = f"/dashboard/growth/lotteries/{lot.pk}/wechat-code/"
    assert staff.post(url).status_code == 302
    assert staff.post(url).status_code == 302  # still valid: no second code
    [code] = WechatQrCode.objects.filter(touchpoint=lot.touchpoint)
    assert (code.permanent, code.scene) == (False, lot.touchpoint.scene)
    left = (code.expires_at - now).total_seconds()
    assert 2 * 86400 - 120 <= left <= 2 * 86400 + 5  # until entries close
    assert AuditEvent.objects.filter(action="lottery.wechat_code").count() == 1
    page = staff.get(f"/dashboard/growth/lotteries/{lot.pk}/").content.decode()
    assert 'data-testid="lottery-wechat-qr"' in page and code.url in page
