from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from omniloop.accounts.models import ApiToken
from omniloop.accounts.scopes import scopes_for
from omniloop.accounts.services import token_authenticate
from tests.dashboard.conftest import login

pytestmark = pytest.mark.django_db


def test_create_till_token_shows_secret_once(client, world):
    login(client, world.hq)
    response = client.post(
        reverse("dashboard:token_create"),
        {"name": "Till 1", "kind": "till", "store": world.store_a.pk},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    assert secret.startswith("olt_") and secret in response.content.decode()
    token = ApiToken.objects.get(name="Till 1")
    assert token.store_id == world.store_a.pk and token.created_by_id == world.hq.pk
    assert token_authenticate(secret=secret) == token
    listing = client.get(reverse("dashboard:tokens")).content.decode()
    assert "Till 1" in listing and token.prefix in listing and secret not in listing


def test_create_integration_token_needs_hq_role(client, world):
    login(client, world.hq)
    response = client.post(
        reverse("dashboard:token_create"),
        {"name": "CRM", "kind": "integration", "role": "store_manager"},
    )
    assert response.status_code == 422
    response = client.post(
        reverse("dashboard:token_create"),
        {"name": "CRM", "kind": "integration", "role": "marketer", "expires_on": "2099-01-31"},
    )
    assert response.status_code == 422  # beyond three years
    in_two_years = timezone.localdate() + timedelta(days=730)
    response = client.post(
        reverse("dashboard:token_create"),
        {"name": "CRM", "kind": "integration", "role": "marketer", "expires_on": in_two_years},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="CRM")
    assert token.role == "marketer" and token.store_id is None
    assert timezone.localtime(token.expires_at).date() == in_two_years
    # Without boxes offered, the grant is everything a marketer may hold.
    assert token.scopes == list(scopes_for("marketer"))


def test_a_token_holds_only_the_ticked_scopes_its_kind_may(client, world):
    login(client, world.hq)
    form = {"name": "Stock feed", "kind": "integration", "role": "hq_admin", "scopes_offered": "1"}
    # Ticked: one HQ scope and one till scope (left out: an HQ token cannot hold it).
    response = client.post(
        reverse("dashboard:token_create"), {**form, "scopes": ["inventory.write", "pos.sales"]}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="Stock feed")
    assert token.scopes == ["inventory.write"]
    assert "inventory.write" in client.get(reverse("dashboard:tokens")).content.decode()
    # Nothing ticked is refused, not widened to the default.
    response = client.post(reverse("dashboard:token_create"), {**form, "name": "Nothing"})
    assert response.status_code == 422
    assert not ApiToken.objects.filter(name="Nothing").exists()


def test_revoke(client, world):
    login(client, world.hq)
    response = client.post(
        reverse("dashboard:token_create"),
        {"name": "Till 2", "kind": "till", "store": world.store_b.pk},
    )
    secret = response.context["secret"]
    token = ApiToken.objects.get(name="Till 2")
    response = client.post(reverse("dashboard:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_authenticate(secret=secret) is None
    assert 'data-testid="token-revoked"' in client.get(reverse("dashboard:tokens")).content.decode()


def test_tokens_are_hq_admin_only(client, world):
    for user in (world.marketer, world.cs, world.manager_a, world.assistant_a):
        client.force_login(user)
        assert client.get(reverse("dashboard:tokens")).status_code == 403
        assert (
            client.post(
                reverse("dashboard:token_create"),
                {"name": "x", "kind": "till", "store": world.store_a.pk},
            ).status_code
            == 403
        )
    assert not ApiToken.objects.exists()
