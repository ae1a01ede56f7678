"""Dashboard sign-in: attempts are limited per username and per address, exactly, and every
attempt (allowed, failed, locked out) is audited."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from omniloop.accounts.models import Role
from omniloop.audit.models import AuditEvent
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:login")


def attempt(client: Client, username: str, password: str = "wrong", ip: str = "192.0.2.1"):  # noqa: S107
    return client.post(URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


@override_settings(OMNILOOP_LOGIN_RATE_PER_USERNAME=[(5, 900)])
def test_a_username_gets_exactly_five_attempts_then_a_clear_lockout():
    user = make_user(Role.HQ_ADMIN)
    for i in range(5):
        response = attempt(Client(), user.username, ip=f"192.0.2.{i}")
        assert response.status_code == 200 and 'data-testid="login-error"' in response.text
    # The sixth is refused even with the right password, from a fresh address.
    response = attempt(Client(), user.username, PASSWORD, ip="198.51.100.1")
    assert response.status_code == 429
    assert 'data-testid="login-locked"' in response.text
    assert "登录尝试次数过多" in response.text and int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in response.client.session
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "outcome", "code"))
    assert events == [("auth.login", "denied", "login_failed")] * 5 + [
        ("auth.login", "denied", "login_rate_limited")
    ]
    # Usernames differing only in case share the budget; another user does not.
    assert attempt(Client(), user.username.upper()).status_code == 429
    other = make_user(Role.HQ_ADMIN)
    assert attempt(Client(), other.username, PASSWORD).status_code == 302


@override_settings(OMNILOOP_LOGIN_RATE_PER_IP=[(3, 900)])
def test_an_address_gets_exactly_its_budget_across_usernames():
    for i in range(3):
        assert attempt(Client(), f"guess{i}").status_code == 200
    assert attempt(Client(), "guess9").status_code == 429
    assert attempt(Client(), "guess9", ip="192.0.2.200").status_code == 200


def test_a_successful_sign_in_is_audited_against_the_user():
    user = make_user(Role.STORE_MANAGER)  # one step; HQ roles: test_two_factor.py
    response = attempt(Client(), user.username, PASSWORD, ip="203.0.113.5")
    assert response.status_code == 302
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.actor_user_id, event.ip) == (
        "auth.login",
        "ok",
        user.pk,
        "203.0.113.5",
    )


def test_a_phone_typed_as_username_is_masked_in_the_trail():
    attempt(Client(), "13800138001")
    assert AuditEvent.objects.get().summary == "username=138****8001"


def test_english_lockout_message():
    client = Client()
    client.cookies["django_language"] = "en"
    with override_settings(OMNILOOP_LOGIN_RATE_PER_USERNAME=[(1, 900)]):
        attempt(client, "someone")
        response = attempt(client, "someone")
    assert response.status_code == 429
    assert re.search(r"Too many sign-in attempts\. Try again in \d+ minutes?\.", response.text)
