from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from omniloop.accounts.models import Role, User
from omniloop.attribution.services import binding_touch
from omniloop.members.models import Member
from omniloop.stores.models import Store
from tests.factories import make_member, make_store, make_user


@dataclass
class World:
    store_a: Store
    store_b: Store
    hq: User
    cs: User
    marketer: User
    manager_a: User
    assistant_a: User
    assistant_a2: User
    manager_b: User
    assistant_b: User
    member_a: Member
    member_b: Member
    phone_a: str
    phone_b: str


@pytest.fixture
def world(db) -> World:
    store_a, store_b = make_store("sha"), make_store("bjb")
    assistant_a = make_user(Role.ASSISTANT, store_a)
    assistant_b = make_user(Role.ASSISTANT, store_b)
    phone_a, phone_b = "13800138001", "13900139002"
    member_a = make_member(phone_a, name="张三")
    member_b = make_member(phone_b, name="李四")
    binding_touch(member=member_a, store_id=store_a.pk, assistant_id=assistant_a.pk, source="scan")
    binding_touch(member=member_b, store_id=store_b.pk, assistant_id=assistant_b.pk, source="scan")
    return World(
        store_a=store_a,
        store_b=store_b,
        hq=make_user(Role.HQ_ADMIN),
        cs=make_user(Role.CS_AGENT),
        marketer=make_user(Role.MARKETER),
        manager_a=make_user(Role.STORE_MANAGER, store_a),
        assistant_a=assistant_a,
        assistant_a2=make_user(Role.ASSISTANT, store_a),
        manager_b=make_user(Role.STORE_MANAGER, store_b),
        assistant_b=assistant_b,
        member_a=member_a,
        member_b=member_b,
        phone_a=phone_a,
        phone_b=phone_b,
    )


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def error_code(html: str) -> str:
    marker = 'data-testid="error-code">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]
