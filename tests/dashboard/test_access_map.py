"""Every dashboard URL is classified in the access map and every view goes through staff_view."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, reverse

from omniloop.accounts.models import Role
from omniloop.dashboard import urls as dashboard_urls
from omniloop.dashboard.access_map import ALL_ROLES, PUBLIC_VIEWS, VIEW_ROLES
from tests.dashboard.conftest import error_code, login
from tests.factories import make_store, make_user


def _patterns() -> list[URLPattern]:
    out = []
    for p in dashboard_urls.urlpatterns:
        assert not isinstance(p, URLResolver), "nested includes need their own check"
        out.append(p)
    return out


def test_every_url_is_classified():
    names = {f"dashboard:{p.name}" for p in _patterns()}
    missing = sorted(n for n in names if n not in VIEW_ROLES and n not in PUBLIC_VIEWS)
    assert not missing, f"classify these in dashboard/access_map.py: {missing}"
    stale = sorted(n for n in set(VIEW_ROLES) | PUBLIC_VIEWS if n not in names)
    assert not stale, f"access map names without a URL: {stale}"


def test_every_view_is_wrapped_by_staff_view_with_its_own_name():
    for p in _patterns():
        assert getattr(p.callback, "staff_view_name", None) == f"dashboard:{p.name}", p.name


def test_roles_in_the_map_are_real_roles():
    for roles in VIEW_ROLES.values():
        assert roles <= ALL_ROLES
        assert roles <= set(Role.values)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    for name in ("dashboard:home", "dashboard:members", "dashboard:tokens"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("dashboard:login"))


@pytest.mark.django_db
def test_login_page_is_public_and_logs_in(client):
    user = make_user(Role.STORE_MANAGER, username="boss")  # HQ roles: test_two_factor.py
    assert client.get(reverse("dashboard:login")).status_code == 200
    response = client.post(
        reverse("dashboard:login"), {"username": "boss", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert client.get(reverse("dashboard:home")).context["user"] == user
    response = client.post(reverse("dashboard:logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 302


SIMPLE_PAGES = [
    "dashboard:home",
    "dashboard:members",
    "dashboard:stores",
    "dashboard:staff",
    "dashboard:products",
    "dashboard:touchpoints",
    "dashboard:tokens",
    "dashboard:store_create",
    "dashboard:staff_create",
    "dashboard:touchpoint_create",
    "dashboard:token_create",
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_role_matrix_for_pages_without_arguments(client, role):
    store = make_store()
    login(client, make_user(role, store if role in ("store_manager", "assistant") else None))
    for name in SIMPLE_PAGES:
        response = client.get(reverse(name))
        expected = 200 if role in VIEW_ROLES[name] else 403
        assert response.status_code == expected, (name, role, response.status_code)
        if expected == 403:
            assert error_code(response.content.decode()) == "role_forbidden"


@pytest.mark.django_db
def test_assistant_gets_403_on_tokens(client):
    login(client, make_user(Role.ASSISTANT))
    response = client.get(reverse("dashboard:tokens"))
    assert response.status_code == 403
    assert 'data-testid="error-code">role_forbidden<' in response.content.decode()


@pytest.mark.django_db
def test_nav_shows_only_pages_the_role_may_open(client):
    login(client, make_user(Role.ASSISTANT))
    html = client.get(reverse("dashboard:home")).content.decode()
    assert reverse("dashboard:members") in html
    assert reverse("dashboard:tokens") not in html
    assert reverse("dashboard:staff") not in html
