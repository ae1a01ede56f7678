"""The campaign pages through the Django client: a marketer drafts from a playbook and submits
but cannot approve or send; store staff cannot open the pages; the report page says
"provisional" before the window closes, in English and Chinese."""

from __future__ import annotations

import pytest
from django.test import Client

from omniloop.accounts.models import Role
from omniloop.campaigns.models import Campaign
from omniloop.campaigns.services import campaign_fanout
from tests.campaigns.helpers import coupon_template, everyone_segment, launched, make_members
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _client(role: str) -> Client:
    client = Client()
    client.force_login(make_user(role))
    return client


def test_a_marketer_drafts_and_submits_but_cannot_approve_or_send():
    make_members(5)
    everyone_segment()
    template = coupon_template()
    client = _client(Role.MARKETER)
    r = client.post(
        "/dashboard/campaigns/new/",
        {"playbook": "win-back", "coupon_template": template.pk, "max_coupons": "50"},
    )
    assert r.status_code == 302
    c = Campaign.objects.get()
    assert (c.playbook, c.max_coupons, c.coupon_template_id) == ("win-back", 50, template.pk)
    client.post(f"/dashboard/campaigns/{c.pk}/action/", {"action": "submit"})
    c.refresh_from_db()
    assert c.status == Campaign.Status.PENDING
    for action in ("approve", "send"):
        r = client.post(f"/dashboard/campaigns/{c.pk}/action/", {"action": action})
        assert r.status_code == 403, (action, r.status_code)
    c.refresh_from_db()
    assert c.status == Campaign.Status.PENDING and c.launched_at is None


@pytest.mark.parametrize("role", [Role.ASSISTANT, Role.STORE_MANAGER, Role.CS_AGENT])
def test_store_staff_and_service_agents_cannot_open_campaigns(role):
    r = _client(role).get("/dashboard/campaigns/")
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("lang", "word"), [("en", "Provisional: the window is still open"), ("zh-hans", "临时数据")]
)
def test_the_report_page_labels_live_figures_as_provisional(lang, word):
    make_members(20)
    c = launched(everyone_segment())
    campaign_fanout(campaign_id=c.pk)
    client = _client(Role.MARKETER)
    r = client.get(f"/dashboard/campaigns/{c.pk}/", HTTP_ACCEPT_LANGUAGE=lang)
    assert r.status_code == 200
    assert word in r.content.decode()
    assert 'id="campaign-charts"' in r.content.decode()
