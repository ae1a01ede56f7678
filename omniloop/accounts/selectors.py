from __future__ import annotations

from django.db.models import QuerySet

from omniloop.accounts.access import Actor, access_store
from omniloop.accounts.models import ApiToken, Role, User
from omniloop.core.errors import NotFound, ValidationFailed


def staff_list(*, actor: Actor) -> QuerySet[User]:
    qs = User.objects.select_related("store").filter(is_active=True).order_by("store__code", "role",
                                                                              "username")
    if not actor.is_hq:
        qs = qs.filter(store_id=actor.store_id)
    return qs


def assistant_get(*, actor: Actor, assistant_id: int) -> User:
    user = User.objects.filter(pk=assistant_id, role=Role.ASSISTANT, is_active=True).first()
    if user is None:
        raise NotFound("No such assistant.", code="assistant_not_found")
    access_store(actor, user.store_id)
    return user


def assistant_for_store(*, store_id: int, assistant_ref: str | int) -> User:
    """An assistant of this store, by id or staff code; anything else is a 422 for the till."""
    qs = User.objects.filter(role=Role.ASSISTANT, is_active=True)
    user = (qs.filter(pk=assistant_ref).first() if isinstance(assistant_ref, int)
            else qs.filter(staff_code=assistant_ref).first())
    if user is None or user.store_id != store_id:
        raise ValidationFailed("The assistant is not on this store's staff.",
                               code="assistant_not_in_store")
    return user


def token_list() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("store", "created_by")
