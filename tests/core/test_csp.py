"""Security headers on every answer; the dashboard's one inline script carries the nonce."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from omniloop.accounts.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _nonce(csp: str) -> str:
    match = re.search(r"script-src 'self' 'nonce-([\w-]+)'", csp)
    assert match, csp
    return match.group(1)


def test_dashboard_pages_carry_a_fresh_nonce_and_no_unsafe_sources(client):
    client.force_login(make_user(Role.HQ_ADMIN))
    first = client.get(reverse("dashboard:home"))
    csp = first["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp and "style-src 'self'" in csp
    nonce = _nonce(csp)
    html = first.content.decode()
    assert f'<script nonce="{nonce}">' in html
    # Every other script is a file of ours, never inline.
    assert html.count("<script") == html.count('<script src="/static/') + 1
    assert "style=" not in html
    second = client.get(reverse("dashboard:home"))
    assert _nonce(second["Content-Security-Policy"]) != nonce


@pytest.mark.parametrize("path", ["/dashboard/login/", "/api/v1/stores", "/m/"])
def test_every_answer_has_the_headers(client, path):
    response = client.get(path)
    assert "Content-Security-Policy" in response
    assert response["Permissions-Policy"].startswith("camera=()")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
