from __future__ import annotations

from django.db.models import QuerySet

from omniloop.accounts.access import Actor, access_store
from omniloop.accounts.models import ApiToken, Role, User
from omniloop.core import rows
from omniloop.core.errors import NotFound, ValidationFailed
from omniloop.stores.models import Store


def staff_list(*, actor: Actor) -> QuerySet[User]:
    qs = (
        User.objects.select_related("store")
        .filter(is_active=True)
        .order_by("store__code", "role", "username")
    )
    if not actor.is_hq:
        qs = qs.filter(store_id=actor.own_store_id)
    return qs


def assistant_get(*, actor: Actor, assistant_id: int) -> User:
    user = User.objects.filter(pk=assistant_id, role=Role.ASSISTANT, is_active=True).first()
    if user is None:
        raise NotFound("No such assistant.", code="assistant_not_found")
    access_store(actor, user.store_id)
    return user


def assistant_for_store(*, store_id: int, assistant_ref: str | int) -> User:
    """An assistant of this store, by id or staff code; anything else is a 422 for the till."""
    # Every till sale with an assistant comes here: one fixed statement (core.rows).
    by = "t.id" if isinstance(assistant_ref, int) else "t.staff_code"
    user = rows.fetch_one(
        User, f"{by} = %s AND t.role = %s AND t.is_active", [assistant_ref, Role.ASSISTANT]
    )
    if user is None or user.store_id != store_id:
        raise ValidationFailed(
            "The assistant is not on this store's staff.", code="assistant_not_in_store"
        )
    return user


def token_list() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("store", "created_by")


def stores_for_actor(*, actor: Actor) -> QuerySet[Store]:
    """The stores the actor may see: every store for HQ, their own for store staff."""
    qs = Store.objects.all()
    return qs if actor.is_hq else qs.filter(pk=actor.own_store_id)


def assistants_for_actor(*, actor: Actor, store_id: int | None = None) -> QuerySet[User]:
    return staff_list(actor=actor).filter(
        role=Role.ASSISTANT, **({"store_id": store_id} if store_id else {})
    )


def username_taken(*, username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def staff_code_taken(*, staff_code: str) -> bool:
    return User.objects.filter(staff_code=staff_code).exists()


def store_for_actor(*, actor: Actor, store_id: int) -> Store:
    """A store by id the actor may reach; another store's is not found, as with `access_store`."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise NotFound("Not found.", code="store_not_found")
    access_store(actor, store.pk)
    return store


def staff_display_names(*, user_ids: set[int]) -> dict[int, str]:
    """Names to show for actor labels such as "user:12" in histories."""
    return {
        u.pk: u.display_name or u.username
        for u in User.objects.filter(pk__in=user_ids).only("pk", "display_name", "username")
    }
