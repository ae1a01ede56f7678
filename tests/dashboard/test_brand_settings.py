from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from omniloop.accounts.models import Role
from omniloop.attribution.models import MemberBinding
from omniloop.attribution.services import binding_touch
from omniloop.core.brand import brand_settings
from tests.factories import make_member, make_store, make_user

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:brand_settings")


def _post(client, **overrides):
    data = {
        "name": "衣见",
        "name_en": "YIJIAN",
        "welcome_points": "200",
        "binding_mode": "first_touch",
        "protection_days": "30",
    }
    data.update(overrides)
    return client.post(URL, data)


def test_hq_admin_changes_the_rules_and_new_bindings_follow_them(client):
    client.force_login(make_user(Role.HQ_ADMIN))
    response = _post(client)
    assert response.status_code == 302
    settings = brand_settings()
    assert (settings.welcome_points, settings.binding_mode, settings.protection_days) == (
        200,
        "first_touch",
        30,
    )
    member = make_member()
    binding_touch(member=member, store_id=make_store().pk, assistant_id=None, source="scan")
    binding = MemberBinding.objects.get(member=member)
    assert binding.protected_until - binding.bound_at == timedelta(days=30)
    assert "衣见" in client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("protection_days", "-1"),
        ("binding_mode", "anything"),
        ("welcome_points", "abc"),
        ("name", ""),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(client, field, value):
    client.force_login(make_user(Role.HQ_ADMIN))
    before = brand_settings()
    response = _post(client, **{field: value})
    assert response.status_code == 422
    after = brand_settings()
    assert (after.name, after.protection_days, after.binding_mode) == (
        before.name,
        before.protection_days,
        before.binding_mode,
    )


def test_store_manager_cannot_change_the_rules(client):
    client.force_login(make_user(Role.STORE_MANAGER))
    assert _post(client).status_code == 403
    assert brand_settings().protection_days == 90
