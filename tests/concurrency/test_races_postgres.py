"""Real concurrency on PostgreSQL: parallel connections released at once."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.attribution.services import binding_touch
from omniloop.core.errors import RateLimited, ValidationFailed
from omniloop.core.ratelimit import hit
from omniloop.members.models import Member
from omniloop.onboarding.services import member_join, otp_send
from omniloop.orders.models import Order
from tests.api.helpers import post_json, sale_body
from tests.concurrency.helpers import run_at_once
from tests.factories import make_member, make_product, make_store, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_requests_with_one_key_make_one_sale():
    store = make_store("sh01")
    make_product("JK100")
    secret = token_create(name="till", store=store).secret
    body = sale_body("R-RACE")

    def call(_: int):
        r = post_json(
            Client(),
            "/api/v1/pos/sales",
            body,
            HTTP_IDEMPOTENCY_KEY="race-key-0001",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        return r.status_code, r.json()

    results = run_at_once(20, call)
    assert all(not isinstance(r, BaseException) for r in results), results
    assert {status for status, _ in results} == {201}
    assert len({body["number"] for _, body in results}) == 1
    assert Order.objects.count() == 1


def test_concurrent_first_touches_make_one_binding():
    stores = [make_store() for _ in range(4)]
    assistants = [make_user(Role.ASSISTANT, stores[i % 4]) for i in range(12)]
    member = make_member()

    results = run_at_once(
        12,
        lambda i: binding_touch(
            member=Member.objects.get(pk=member.pk),
            store_id=assistants[i].store_id,
            assistant_id=assistants[i].pk,
            source="scan",
        ),
    )
    assert all(not isinstance(r, BaseException) for r in results), results
    assert sum(r.decision == "bound" for r in results) == 1
    binding = MemberBinding.objects.get(member=member)
    assert all(
        (r.store_id, r.assistant_id) == (binding.store_id, binding.assistant_id) for r in results
    )
    assert BindingChange.objects.filter(member=member).count() == 1


def test_a_rate_limit_of_five_passes_exactly_five_of_twenty():
    def call(_: int):
        try:
            hit("race:test", [(5, 3600)], code="limited", message="x")
            return "ok"
        except RateLimited:
            return "limited"

    results = run_at_once(20, call)
    assert results.count("ok") == 5 and results.count("limited") == 15


def test_a_one_time_code_joins_once_under_concurrency(sms_outbox):
    otp_send(phone_raw="13912345678", client_key="a")
    code = re.search(r"(\d{6})", sms_outbox[-1].text).group(1)

    def call(_: int):
        try:
            return member_join(
                phone_raw="13912345678", code=code, consents={}, visitor=None, scene=None
            ).member_id
        except ValidationFailed as exc:
            return exc.code

    results = run_at_once(10, call)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert set(r for r in results if not isinstance(r, int)) <= {"otp_expired"}
    assert Member.objects.count() == 1
