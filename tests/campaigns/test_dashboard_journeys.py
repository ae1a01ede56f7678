"""The journey editor and the wall's "open a store here" link through the Django client
(ADR 35): rows become steps in order, a bad row is a 422 with its code and nothing written, a
launched campaign's journey is read-only, store staff cannot open the editor."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from omniloop.accounts.models import Role
from omniloop.campaigns.models import Campaign, JourneyStep
from omniloop.campaigns.playbooks import campaign_from_playbook
from tests.campaigns.helpers import actors, approved, coupon_template, everyone_segment
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _client(role: str) -> Client:
    client = Client()
    client.force_login(make_user(role))
    return client


def _draft() -> Campaign:
    marketer, _ = actors()
    return campaign_from_playbook(
        actor=marketer, key="welcome-series", coupon_template=coupon_template()
    )


def test_the_editor_saves_rows_as_steps_in_order():
    c = _draft()
    client = _client(Role.MARKETER)
    r = client.get(f"/dashboard/campaigns/{c.pk}/journey/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 200 and "保存旅程" in r.content.decode()
    rule = {"field": "tier", "op": "=", "value": "gold"}
    r = client.post(
        f"/dashboard/campaigns/{c.pk}/journey/",
        {
            "rows": "4",
            "kind-0": "wait",
            "wait-0": "24",
            "kind-1": "",  # an empty row is dropped
            "kind-2": "condition",
            "condition-2": "rule",
            "rule-2": json.dumps(rule),
            "kind-3": "send",
            "coupon-3": "on",
            "title-3": "金卡礼",
            "body-3": "专属礼券",
        },
    )
    assert r.status_code == 302
    steps = list(JourneyStep.objects.filter(campaign=c).order_by("position"))
    assert [(s.position, s.kind) for s in steps] == [(0, "wait"), (1, "condition"), (2, "send")]
    assert steps[0].wait_hours == 24 and steps[1].rule == rule and steps[2].with_coupon
    page = client.get(f"/dashboard/campaigns/{c.pk}/").content.decode()
    assert 'data-testid="journey-counts"' in page and "金卡礼" in page


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ({"kind-0": "send", "rule-0": "{not json"}, "rule_json"),
        ({"kind-0": "wait", "wait-0": "abc"}, "number_invalid"),
        ({"kind-0": "wait", "wait-0": "5"}, "journey_without_send"),
        ({"kind-0": "teleport"}, "journey_step_kind"),
    ],
)
def test_a_bad_row_is_refused_with_its_code_and_nothing_written(row, code):
    c = _draft()
    before = list(JourneyStep.objects.filter(campaign=c).values_list("kind", flat=True))
    r = _client(Role.MARKETER).post(f"/dashboard/campaigns/{c.pk}/journey/", {"rows": "1", **row})
    assert r.status_code in (400, 422), r.status_code
    assert code in r.content.decode()
    assert list(JourneyStep.objects.filter(campaign=c).values_list("kind", flat=True)) == before


def test_a_launched_campaigns_journey_is_read_only():
    c = approved(everyone_segment("all-ro"))
    client = _client(Role.MARKETER)
    r = client.get(f"/dashboard/campaigns/{c.pk}/journey/")
    assert r.status_code == 200 and 'data-testid="save-journey"' not in r.content.decode()
    r = client.post(f"/dashboard/campaigns/{c.pk}/journey/", {"rows": "1", "kind-0": "send"})
    assert r.status_code == 409
    assert not JourneyStep.objects.filter(campaign=c).exists()


@pytest.mark.parametrize("role", [Role.ASSISTANT, Role.STORE_MANAGER])
def test_store_staff_cannot_open_the_editor(role):
    c = _draft()
    assert _client(role).get(f"/dashboard/campaigns/{c.pk}/journey/").status_code == 403


def test_the_wall_site_page_links_to_the_new_store_draft():
    client = _client(Role.HQ_ADMIN)
    page = client.get("/dashboard/wall/sites/").content.decode()
    assert 'data-testid="open-store-here"' in page
    assert "/dashboard/campaigns/new/?playbook=new-store" in page
    form = client.get("/dashboard/campaigns/new/?playbook=new-store").content.decode()
    assert 'value="new-store" checked' in form


def test_the_new_form_sets_a_recurring_or_triggered_schedule():
    everyone_segment("all-new")
    client = _client(Role.MARKETER)
    r = client.post(
        "/dashboard/campaigns/new/",
        {
            "playbook": "win-back",
            "schedule": "recurring",
            "recurrence": "weekly",
            "run_hour": "9",
            "run_day": "5",
            "per_run": "on",
        },
    )
    assert r.status_code == 302
    c = Campaign.objects.get()
    assert (c.schedule, c.recurrence, c.run_hour, c.run_day, c.per_run) == (
        "recurring",
        "weekly",
        9,
        5,
        True,
    )
    r = client.post(
        "/dashboard/campaigns/new/",
        {"playbook": "win-back", "schedule": "recurring", "recurrence": "weekly", "run_day": "9"},
    )
    assert r.status_code == 422 and "campaign_run_time_invalid" in r.content.decode()
    r = client.post(
        "/dashboard/campaigns/new/",
        {
            "playbook": "win-back",
            "schedule": "triggered",
            "trigger": "lapse",
            "trigger_value": "45",
        },
    )
    assert r.status_code == 302
    assert Campaign.objects.filter(schedule="triggered", trigger="lapse", trigger_value=45).exists()
    assert Campaign.objects.count() == 2


def _shown_fields(html: str, row: int) -> set[str]:
    """The field names of row `row` whose label is not hidden."""
    import re

    step = html.split(f'data-testid="journey-step-{row}"', 1)[1].split("</li>", 1)[0]
    shown = set()
    for label in re.findall(r"<label(?P<attrs>[^>]*)>(?P<body>.*?)</label>", step, re.S):
        attrs, body = label
        name = re.search(r'name="(\w+)-\d+"', body)
        if name and " hidden" not in attrs:
            shown.add(name.group(1))
    return shown


def test_each_step_shows_only_the_fields_of_its_kind():
    c = _draft()
    kinds = list(JourneyStep.objects.filter(campaign=c).order_by("position"))
    html = _client(Role.MARKETER).get(f"/dashboard/campaigns/{c.pk}/journey/").content.decode()
    wanted = {
        "wait": {"kind", "wait"},
        "condition": {"kind", "condition", "negate", "rule"},
        "send": {"kind", "coupon", "title", "body"},
        "end": {"kind"},
    }
    assert {s.kind for s in kinds} >= {"wait", "send"}
    for i, step in enumerate(kinds):
        assert _shown_fields(html, i) == wanted[step.kind], step.kind
    # An empty row shows everything until a kind is chosen (journey.js narrows it then).
    assert _shown_fields(html, len(kinds)) == set().union(*wanted.values())
    assert "dashboard/journey.js" in html
