"""Who a workbench user is and whose members they reach.

The workbench is for store staff: an assistant's list is the members bound to them, a store
manager's the store's. Reaching one member follows the house rule (`attribution.access_member`):
store staff reach their own store's members, another store's member is 404."""

from __future__ import annotations

from django.db.models import QuerySet

from omniloop.accounts.access import Actor, require_roles, require_staff_user
from omniloop.accounts.models import STORE_ROLES, Role
from omniloop.attribution.selectors import access_member, member_list_for_actor
from omniloop.members.models import Member

WORKBENCH_ROLES = tuple(r.value for r in STORE_ROLES)


def workbench_user_id(actor: Actor) -> int:
    """The store staff user behind the actor; anyone else is refused (403)."""
    require_roles(actor, *WORKBENCH_ROLES)
    user_id = require_staff_user(actor)
    actor.own_store_id  # noqa: B018 (raises for an actor without a store)
    return user_id


def mine_only(actor: Actor) -> bool:
    return actor.role == Role.ASSISTANT


def scope_members(actor: Actor, *, query: str = "") -> QuerySet[Member]:
    """The members on the actor's workbench, newest first, with `phone_masked` annotated."""
    user_id = workbench_user_id(actor)
    return member_list_for_actor(
        actor=actor, assistant_id=user_id if mine_only(actor) else None, query=query
    )


def workbench_member(*, actor: Actor, member_id: int) -> Member:
    """One member the actor may serve: their own store's (404 otherwise)."""
    workbench_user_id(actor)
    return access_member(actor=actor, member_id=member_id)
