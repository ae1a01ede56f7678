"""Who may see what. Every permission decision goes through these few functions (Zulip's
`access_*` pattern), and the authorization-matrix test drives every endpoint through them."""

from __future__ import annotations

from dataclasses import dataclass

from omniloop.accounts.models import HQ_ROLES, ApiToken, Role, User
from omniloop.core.errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class Actor:
    """The caller of a service: a staff user, a till, or an HQ integration."""

    role: str
    store_id: int | None
    user_id: int | None = None
    token_id: int | None = None

    @property
    def is_hq(self) -> bool:
        return self.role in HQ_ROLES

    @property
    def is_till(self) -> bool:
        return self.role == "till"

    @property
    def own_store_id(self) -> int:
        """The store of a store-bound actor (store staff, tills); HQ actors have none."""
        if self.store_id is None:
            raise PermissionDenied("This actor is not bound to a store.", code="store_required")
        return self.store_id

    @property
    def label(self) -> str:
        if self.user_id:
            return f"user:{self.user_id}"
        return f"token:{self.token_id}"


def actor_for_user(user: User) -> Actor:
    return Actor(role=user.role, store_id=user.store_id, user_id=user.pk)


def actor_for_token(token: ApiToken) -> Actor:
    role = "till" if token.kind == ApiToken.Kind.TILL else token.role
    return Actor(role=role, store_id=token.store_id, token_id=token.pk)


def sees_unmasked_phone(actor: Actor) -> bool:
    """Only HQ admins and customer-service agents see full phone numbers; store staff, tills
    and marketers see them masked (138****5678)."""
    return actor.role in (Role.HQ_ADMIN, Role.CS_AGENT)


def require_roles(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied("Your role cannot do this.", code="role_forbidden")


def access_store(actor: Actor, store_id: int | None) -> None:
    """HQ reaches every store; store staff and tills only their own. Another store's objects
    are reported as not found, so their existence does not leak."""
    if actor.is_hq:
        return
    if store_id is None or actor.store_id != store_id:
        raise NotFound("Not found.", code="not_found")


POINTS_APPROVER_ROLES = (Role.HQ_ADMIN, Role.CS_AGENT)


def require_staff_user(actor: Actor) -> int:
    """The staff user behind the actor (tills and integrations have none). Returns its id."""
    if actor.user_id is None:
        raise PermissionDenied("Only a staff user can do this.", code="staff_user_required")
    return actor.user_id


def require_points_approver(actor: Actor) -> int:
    """Manual points adjustments are approved by an HQ admin or a customer-service agent, never
    by store staff, tills or integrations. Returns the approver's user id."""
    user_id = require_staff_user(actor)
    require_roles(actor, *POINTS_APPROVER_ROLES)
    return user_id
