"""Twenty sign-in attempts for one username at once: exactly the budget gets through to the
password check, the rest are locked out, and every attempt leaves one audit event."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from omniloop.accounts.models import Role
from omniloop.audit.models import AuditEvent
from tests.concurrency.helpers import run_at_once
from tests.factories import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@override_settings(OMNILOOP_LOGIN_RATE_PER_USERNAME=[(5, 900)])
def test_twenty_parallel_guesses_get_exactly_five_tries():
    user = make_user(Role.HQ_ADMIN)

    def guess(i: int) -> int:
        response = Client().post(
            "/dashboard/login/",
            {"username": user.username, "password": f"guess-{i}"},
            REMOTE_ADDR=f"192.0.2.{i + 1}",
        )
        return response.status_code

    statuses = run_at_once(20, guess)
    assert sorted(statuses) == [200] * 5 + [429] * 15
    codes = list(AuditEvent.objects.values_list("code", flat=True))
    assert sorted(codes) == ["login_failed"] * 5 + ["login_rate_limited"] * 15
