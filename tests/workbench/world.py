"""Two stores; in A two assistants and a manager, in B one assistant; members bound to each."""

from __future__ import annotations

from dataclasses import dataclass

from omniloop.accounts.access import Actor, actor_for_user
from omniloop.accounts.models import Role, User
from omniloop.attribution.services import binding_touch
from omniloop.members.models import Member
from omniloop.stores.models import Store
from tests.factories import make_member, make_store, make_user


@dataclass
class World:
    a: Store
    b: Store
    a1: User
    a2: User
    manager: User
    b1: User
    hq: User
    m1: Member  # bound to A / a1
    m2: Member  # bound to A / a2
    mb: Member  # bound to B / b1

    def actor(self, user: User) -> Actor:
        return actor_for_user(user)


def bind(member: Member, store: Store, assistant: User | None) -> Member:
    binding_touch(
        member=member,
        store_id=store.pk,
        assistant_id=assistant.pk if assistant else None,
        source="scan",
    )
    return member


def make_world() -> World:
    a, b = make_store("wa", timezone="Asia/Shanghai"), make_store("wb")
    a1, a2 = make_user(Role.ASSISTANT, a), make_user(Role.ASSISTANT, a)
    b1 = make_user(Role.ASSISTANT, b)
    return World(
        a=a,
        b=b,
        a1=a1,
        a2=a2,
        manager=make_user(Role.STORE_MANAGER, a),
        b1=b1,
        hq=make_user(Role.HQ_ADMIN),
        m1=bind(make_member("13800001111", name="王一"), a, a1),
        m2=bind(make_member("13800002222", name="王二"), a, a2),
        mb=bind(make_member("13900003333", name="李三"), b, b1),
    )
