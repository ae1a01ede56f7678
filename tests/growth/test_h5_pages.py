"""The growth H5 pages through the HTTP client: the referral page and link, the join that
follows, and the lottery page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from omniloop.core import clock
from omniloop.core.sms import LocmemSmsBackend
from omniloop.growth.lottery import LotteryInput, lottery_create
from omniloop.growth.models import LotteryEntry, Referral, ReferralDevice
from omniloop.h5.session import MEMBER_KEY
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_template

pytestmark = pytest.mark.django_db


def _logged_in(member) -> Client:
    c = Client()
    session = c.session
    session[MEMBER_KEY] = member.pk
    session.save()
    return c


def _join_via_form(c: Client, phone: str):
    c.post("/m/join/otp", {"phone": phone})
    code = re.search(r"(\d{6})", LocmemSmsBackend.outbox[-1].text).group(1)
    return c.post("/m/join", {"phone": phone, "code": code, "terms": "on"})


def test_the_referral_page_shows_the_link_and_a_poster_qr_and_records_the_device():
    referrer = make_member("13600000001")
    c = _logged_in(referrer)
    page = c.get("/m/refer")
    assert page.status_code == 200
    html = page.content.decode()
    link = re.search(r'value="(http[^"]+/m/r/([^"]+))"', html)
    assert link and "<svg" in html and 'data-testid="refer-qr"' in html
    assert ReferralDevice.objects.filter(member=referrer, device=page.cookies["ol_did"].value)
    # A friend opens the link in another browser and joins: a referral, shown on the page.
    friend = Client()
    landing = friend.get(f"/m/r/{link.group(2)}")
    assert landing.status_code == 200 and 'data-testid="referral-join"' in landing.content.decode()
    assert _join_via_form(friend, "13600000002").status_code == 302
    ref = Referral.objects.get(referrer=referrer)
    assert ref.status == "joined" and ref.device == landing.cookies["ol_did"].value
    again = c.get("/m/refer").content.decode()
    assert 'data-testid="refer-status"' in again and "13600000002" not in again


def test_the_referral_page_asks_to_join_first_and_a_bad_link_is_404():
    assert Client().get("/m/refer").status_code == 302
    assert Client().get("/m/r/nonexistent").status_code == 404


def test_the_lottery_page_enters_once_and_shows_the_commitment():
    now = clock.now()
    lot = lottery_create(
        data=LotteryInput(
            title="周年抽奖",
            coupon_template_id=make_template().pk,
            winners=1,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1),
            requires_follow=False,
        )
    )
    member = make_member()
    c = _logged_in(member)
    page = c.get(f"/m/lottery/{lot.pk}")
    assert lot.seed_hash in page.content.decode()
    assert c.post(f"/m/lottery/{lot.pk}").status_code == 302
    assert 'data-testid="lottery-entered"' in c.get(f"/m/lottery/{lot.pk}").content.decode()
    dup = c.post(f"/m/lottery/{lot.pk}")
    assert dup.status_code == 409 and "lottery_entry_duplicate" in dup.content.decode()
    assert LotteryEntry.objects.filter(lottery=lot).count() == 1
    # The lottery's scan code lands on the lottery page.
    assert Client().get(f"/s/{lot.touchpoint.scene}")["Location"] == f"/m/lottery/{lot.pk}"
    assert Client().post(f"/m/lottery/{lot.pk}").status_code == 302  # join first
