"""The Consistency (一致性) page: HQ admins and marketers see the listings check, filtered by
channel and field, in Chinese and English."""

from __future__ import annotations

import pytest
from django.urls import reverse

from omniloop.accounts.models import Role
from tests.dashboard.conftest import error_code, login
from tests.factories import make_product, make_store, make_user
from tests.listings.helpers import days_ago, listing, make_channel, observe

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:consistency")


@pytest.fixture
def drift():
    make_channel("tmall", name="天猫旗舰店", name_en="Tmall flagship shop")
    make_channel("jd", name="京东旗舰店", name_en="JD flagship shop")
    coat = make_product("JK100", price="399.00")
    observe("tmall", listing(coat, price="429.00", title="大衣 新款"))
    observe("jd", listing(coat, observed_at=days_ago(10)))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.HQ_ADMIN, 200),
        (Role.MARKETER, 200),
        (Role.CS_AGENT, 403),
        (Role.STORE_MANAGER, 403),
        (Role.ASSISTANT, 403),
    ],
)
def test_who_may_open_it(client, drift, role, status):
    login(client, make_user(role, make_store() if role in ("store_manager", "assistant") else None))
    r = client.get(URL)
    assert r.status_code == status
    if status == 403:
        assert error_code(r.content.decode()) == "role_forbidden"


def test_lists_drift_in_chinese_with_counts(client, drift):
    login(client, make_user(Role.MARKETER))
    r = client.get(URL)
    html = r.content.decode()
    assert [(x.channel_code, x.field) for x in r.context["page"]] == [
        ("tmall", "price"),
        ("tmall", "title"),
        ("jd", "stale_listing"),
    ]
    assert "<h1>一致性</h1>" in html
    assert 'data-testid="stat-checked">2<' in html and 'data-testid="stat-high">1<' in html
    assert "¥429.00" in html and "+¥30.00" in html and "大衣 新款" in html
    assert "10 天前" in html and "不超过 7 天" in html
    assert "3 处不一致" in html
    assert f'href="{URL}"' in html  # the nav item


def test_filters_by_channel_and_field_in_english(client, drift):
    login(client, make_user(Role.HQ_ADMIN))
    client.cookies["django_language"] = "en"
    r = client.get(URL, {"channel": "tmall", "field": "title"})
    html = r.content.decode()
    assert [(x.channel_code, x.field) for x in r.context["page"]] == [("tmall", "title")]
    assert "<h1>Consistency</h1>" in html and "1 difference" in html
    assert '<option value="tmall" selected>Tmall flagship shop</option>' in html
    assert '<option value="title" selected>Title</option>' in html
    r = client.get(URL, {"channel": "jd"})
    assert "10 days old" in r.content.decode() and "at most 7 days old" in r.content.decode()


def test_unknown_filters_are_ignored_and_agreement_says_so(client):
    make_channel("tmall")
    login(client, make_user(Role.HQ_ADMIN))
    r = client.get(URL, {"channel": "nope", "field": "colour"})
    assert r.status_code == 200 and (r.context["channel"], r.context["field"]) == ("", "")
    assert "各渠道均与商品资料和定价引擎一致。" in r.content.decode()
