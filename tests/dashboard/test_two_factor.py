"""Two-factor sign-in for HQ roles: the password alone never signs an HQ session in; the first
sign-in enrols an authenticator from a QR code; a code is good once; a pending sign-in expires;
code guesses share the sign-in budget; store staff sign in with their password only."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from freezegun import freeze_time

from omniloop.accounts.models import Role, StaffTotp
from omniloop.accounts.totp import totp_secret
from omniloop.audit.models import AuditEvent
from omniloop.core import clock
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
LOGIN, VERIFY, HOME = (
    reverse(n) for n in ("dashboard:login", "dashboard:login_verify", "dashboard:home")
)


def _password(client: Client, user) -> object:
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD})


def _code(user, at=None) -> str:
    secret = totp_secret(StaffTotp.objects.get(user=user))
    return pyotp.TOTP(secret).at(int((at or clock.now()).timestamp()))


def _signed_in(client: Client) -> bool:
    return client.get(HOME).status_code == 200


def test_an_hq_admin_enrols_at_first_sign_in_and_needs_the_code():
    user = make_user(Role.HQ_ADMIN)
    client = Client()
    response = _password(client, user)
    assert (response.status_code, response["Location"]) == (302, VERIFY)
    assert not _signed_in(client)  # the password alone is not enough
    page = client.get(VERIFY)
    assert page.status_code == 200 and 'data-testid="2fa-qr"' in page.text and "<svg" in page.text
    row = StaffTotp.objects.get(user=user)
    assert row.confirmed_at is None and totp_secret(row) in page.text
    assert totp_secret(row).encode() not in bytes(row.secret_encrypted)  # encrypted at rest
    bad = client.post(VERIFY, {"code": "000000" if _code(user) != "000000" else "111111"})
    assert bad.status_code == 400 and 'data-testid="2fa-error"' in bad.text
    assert not _signed_in(client)
    ok = client.post(VERIFY, {"code": _code(user)})
    assert (ok.status_code, ok["Location"]) == (302, HOME)
    assert _signed_in(client)
    assert StaffTotp.objects.get(user=user).confirmed_at is not None
    trail = list(AuditEvent.objects.order_by("pk").values_list("action", "outcome", "code"))
    assert trail == [
        ("auth.password", "ok", "2fa_pending"),
        ("auth.2fa", "denied", "2fa_failed"),
        ("auth.login", "ok", ""),
    ]


def test_a_code_is_good_once_and_the_secret_is_never_shown_again():
    user = make_user(Role.MARKETER)
    with freeze_time("2026-12-02 02:00:05"):
        first = Client()
        _password(first, user)
        first.get(VERIFY)
        code = _code(user)
        assert first.post(VERIFY, {"code": code}).status_code == 302
        second = Client()
        _password(second, user)
        page = second.get(VERIFY)
        assert 'data-testid="2fa-qr"' not in page.text
        assert totp_secret(StaffTotp.objects.get(user=user)) not in page.text
        assert second.post(VERIFY, {"code": code}).status_code == 400  # replayed
    with freeze_time("2026-12-02 02:00:40"):
        assert second.post(VERIFY, {"code": _code(user)}).status_code == 302
        assert _signed_in(second)


def test_a_pending_sign_in_expires():
    user = make_user(Role.CS_AGENT)
    client = Client()
    _password(client, user)
    client.get(VERIFY)
    with freeze_time(clock.now() + timedelta(minutes=6)):
        response = client.post(VERIFY, {"code": _code(user)})
    assert (response.status_code, response["Location"]) == (302, LOGIN)
    assert not _signed_in(client)


@override_settings(OMNILOOP_LOGIN_RATE_PER_USERNAME=[(4, 900)])
def test_code_guesses_count_against_the_sign_in_budget():
    user = make_user(Role.HQ_ADMIN)
    client = Client()
    _password(client, user)  # 1
    client.get(VERIFY)
    good = _code(user)
    wrong = "123456" if good != "123456" else "654321"
    assert client.post(VERIFY, {"code": wrong}).status_code == 400  # 2
    assert client.post(VERIFY, {"code": wrong}).status_code == 400  # 3
    assert client.post(VERIFY, {"code": wrong}).status_code == 400  # 4
    assert client.post(VERIFY, {"code": good}).status_code == 429  # the budget is spent
    assert not _signed_in(client)


def test_store_staff_sign_in_with_the_password_only():
    user = make_user(Role.STORE_MANAGER)
    client = Client()
    response = _password(client, user)
    assert (response.status_code, response["Location"]) == (302, HOME)
    assert _signed_in(client)
    assert not StaffTotp.objects.filter(user=user).exists()


def test_a_reset_makes_the_user_enrol_again(capsys):
    user = make_user(Role.HQ_ADMIN)
    client = Client()
    _password(client, user)
    client.get(VERIFY)
    client.post(VERIFY, {"code": _code(user)})
    call_command("staff_2fa", "reset", user.username)
    assert not StaffTotp.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="auth.2fa_reset", target_id=str(user.pk)).exists()
    again = Client()
    _password(again, user)
    assert 'data-testid="2fa-qr"' in again.get(VERIFY).text


def test_the_demo_code_command_prints_the_current_code(capsys):
    user = make_user(Role.HQ_ADMIN)
    call_command("staff_2fa", "code", user.username)
    assert capsys.readouterr().out.strip() == _code(user)
