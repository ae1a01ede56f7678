"""Two stores, their staff, HQ customer service and a ticket at each store."""

from __future__ import annotations

from dataclasses import dataclass

from omniloop.accounts.access import Actor, actor_for_user
from omniloop.accounts.models import Role
from omniloop.inbox.models import Channel, Ticket
from omniloop.inbox.services import Voice, ticket_open
from tests.factories import make_member, make_store, make_user


@dataclass
class World:
    a_ticket: Ticket
    b_ticket: Ticket
    agent: Actor
    admin: Actor
    a_manager: Actor
    a_assistant: Actor
    b_manager: Actor
    a_manager_user: object
    agent_user: object


def make_world() -> World:
    a, b = make_store("sta"), make_store("stb")
    users = {
        "agent": make_user(Role.CS_AGENT),
        "admin": make_user(Role.HQ_ADMIN),
        "a_manager": make_user(Role.STORE_MANAGER, a),
        "a_assistant": make_user(Role.ASSISTANT, a),
        "b_manager": make_user(Role.STORE_MANAGER, b),
    }
    tickets = [
        ticket_open(
            voice=Voice(
                channel=Channel.STORE_NOTE,
                body=f"顾客说衬衫掉色 ({s.code})",
                member_id=make_member().pk,
                store_id=s.pk,
            )
        )
        for s in (a, b)
    ]
    return World(
        a_ticket=tickets[0],
        b_ticket=tickets[1],
        **{k: actor_for_user(u) for k, u in users.items()},
        a_manager_user=users["a_manager"],
        agent_user=users["agent"],
    )
