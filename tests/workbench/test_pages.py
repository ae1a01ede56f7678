"""The workbench pages over HTTP: store staff only, masked phones, another store's member 404,
shares and "done" through the forms, and HQ's shareable-coupon page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from omniloop.audit.models import AuditEvent
from omniloop.messaging.models import Message
from omniloop.promotions.models import Coupon
from omniloop.workbench.models import FollowUpDone, ShareableCoupon
from tests.factories import make_product
from tests.promotions.coupon_helpers import make_template
from tests.workbench.world import make_world

pytestmark = pytest.mark.django_db


def _client(user, language="zh-hans"):
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    c.force_login(user)
    return c


def _token(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)


def test_every_page_answers_for_an_assistant_in_both_languages():
    w = make_world()
    for language, word in (("zh-hans", "跟进任务"), ("en", "Follow-up tasks")):
        c = _client(w.a1, language)
        home = c.get(reverse("dashboard:workbench"))
        assert home.status_code == 200 and word in home.content.decode()
        for name in ("workbench_card", "workbench_members", "workbench_performance"):
            assert c.get(reverse(f"dashboard:{name}")).status_code == 200, name
        page = c.get(reverse("dashboard:workbench_member", args=[w.m1.pk]))
        assert page.status_code == 200


def test_member_pages_show_masked_phones_only():
    w = make_world()
    c = _client(w.a1)
    for url in (
        reverse("dashboard:workbench_members"),
        reverse("dashboard:workbench_member", args=[w.m1.pk]),
    ):
        html = c.get(url).content.decode()
        assert "138****1111" in html and "13800001111" not in html
    assert "138****2222" not in c.get(reverse("dashboard:workbench_members")).content.decode()
    search = c.get(reverse("dashboard:workbench_members"), {"q": "1111"}).content.decode()
    assert search.count('data-testid="member-row"') == 1


def test_another_stores_member_answers_404_and_is_audited():
    w = make_world()
    c = _client(w.a1)
    assert c.get(reverse("dashboard:workbench_member", args=[w.mb.pk])).status_code == 404
    post = c.post(
        reverse("dashboard:workbench_share_product", args=[w.mb.pk]),
        {"style_code": "X", "form_token": "f" * 24},
    )
    assert post.status_code == 404
    denied = AuditEvent.objects.filter(action="dashboard.denied", outcome="denied")
    assert set(denied.values_list("target_id", flat=True)) == {
        "dashboard:workbench_member",
        "dashboard:workbench_share_product",
    }
    assert not Message.objects.exists()


def test_hq_and_customer_service_have_no_workbench():
    w = make_world()
    assert _client(w.hq).get(reverse("dashboard:workbench")).status_code == 403


def test_sharing_through_the_member_page_once_per_form():
    w = make_world()
    make_product("WB300")
    template = make_template(name="导购券", per_member_limit=5)
    ShareableCoupon.objects.create(template=template, monthly_cap=1, updated_at=template.created_at)
    c = _client(w.a1)
    page = c.get(reverse("dashboard:workbench_member", args=[w.m1.pk])).content.decode()
    assert "导购券" in page
    url = reverse("dashboard:workbench_share_product", args=[w.m1.pk])
    data = {"style_code": "WB300", "form_token": _token(page)}
    assert c.post(url, data).status_code == 302
    assert c.post(url, data).status_code == 302  # the same form again
    assert Message.objects.filter(template="workbench_product").count() == 1
    bad = c.post(url, {"style_code": "NOPE", "form_token": "n" * 24})
    assert bad.status_code == 422 and "product_not_found" in bad.content.decode()

    coupon_url = reverse("dashboard:workbench_share_coupon", args=[w.m1.pk])
    assert c.post(coupon_url, {"template": template.pk, "form_token": "c" * 24}).status_code == 302
    over = c.post(coupon_url, {"template": template.pk, "form_token": "d" * 24})
    assert over.status_code == 409 and "workbench_share_cap_reached" in over.content.decode()
    assert Coupon.objects.filter(member=w.m1).count() == 1
    assert c.post(coupon_url, {}).status_code == 422


def test_marking_a_task_done_through_the_page(settings):
    w = make_world()
    from omniloop.core import clock
    from omniloop.workbench.tasks import store_today

    today = store_today(w.a.pk, clock.now())
    w.m1.birth_date = (
        date(1990, today.month, today.day)
        if (today.month, today.day) != (2, 29)
        else date(1992, 2, 29)
    )
    w.m1.save(update_fields=["birth_date"])
    c = _client(w.a1)
    html = c.get(reverse("dashboard:workbench")).content.decode()
    occasion = f"birthday:{w.m1.pk}:{today.year}"
    assert occasion in html
    r = c.post(reverse("dashboard:workbench_task_done"), {"occasion": occasion, "note": "祝福了"})
    assert r.status_code == 302
    assert FollowUpDone.objects.get().note == "祝福了"
    assert occasion not in c.get(reverse("dashboard:workbench")).content.decode()
    assert c.post(reverse("dashboard:workbench_task_done"), {"occasion": "x:1"}).status_code == 404
    assert c.post(reverse("dashboard:workbench_task_done"), {}).status_code == 422


def test_the_poster_and_code_download():
    w = make_world()
    c = _client(w.a1, "en")
    svg = c.get(reverse("dashboard:workbench_poster", args=["svg"]))
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
    assert w.a.name_en in svg.content.decode()
    png = c.get(reverse("dashboard:workbench_poster", args=["png"]))
    assert png.content.startswith(b"\x89PNG")
    assert c.get(reverse("dashboard:workbench_poster", args=["gif"])).status_code == 404


def test_hq_marks_a_template_shareable_on_its_page():
    w = make_world()
    template = make_template(name="门店券")
    c = _client(w.hq)
    c.force_login(w.hq)
    url = reverse("dashboard:workbench_coupons")
    assert "门店券" in c.get(url).content.decode()
    r = c.post(url, {"template": template.pk, "monthly_cap": "7", "active": "on"})
    assert r.status_code == 302
    assert ShareableCoupon.objects.get(template=template).monthly_cap == 7
    assert c.post(url, {"template": template.pk, "monthly_cap": "0"}).status_code == 422
    assert _client(w.a1).get(url).status_code == 403


def test_the_member_page_lists_what_the_store_shared_lately():
    w = make_world()
    make_product("WB301")
    c = _client(w.a1, "en")
    url = reverse("dashboard:workbench_share_product", args=[w.m1.pk])
    c.post(url, {"style_code": "WB301", "form_token": "s" * 24})
    html = c.get(reverse("dashboard:workbench_member", args=[w.m1.pk])).content.decode()
    assert html.count('data-testid="shared"') == 1
    assert "Product · 衬衫" in html  # the product's name as the catalog keeps it


def test_list_pages_take_a_fixed_number_of_queries(django_assert_max_num_queries):
    """The member list and the tasks page do not query per row."""
    from tests.factories import make_member
    from tests.workbench.world import bind

    w = make_world()
    c = _client(w.a1)
    counts = []
    for _ in range(2):
        with django_assert_max_num_queries(40) as ctx:
            assert c.get(reverse("dashboard:workbench_members")).status_code == 200
            assert c.get(reverse("dashboard:workbench")).status_code == 200
        counts.append(len(ctx.captured_queries))
        for _ in range(5):
            bind(make_member(), w.a, w.a1)
    assert counts[0] == counts[1]
