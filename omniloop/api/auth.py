from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from omniloop.accounts.access import Actor, actor_for_token
from omniloop.accounts.models import ApiToken
from omniloop.accounts.services import token_authenticate
from omniloop.core.errors import PermissionDenied


class TokenAuth(HttpBearer):
    """Bearer token -> Actor. `kinds`/`roles` restrict which tokens an endpoint takes."""

    def __init__(self, *, till: bool = False, roles: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.till = till
        self.roles = roles

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = token_authenticate(secret=token)
        if api_token is None:
            return None
        actor = actor_for_token(api_token)
        # Set before the checks, so a refusal is audited against the token that asked.
        request.actor = actor  # type: ignore[attr-defined]
        if self.till and api_token.kind != ApiToken.Kind.TILL:
            raise PermissionDenied("This endpoint is for store tills.", code="till_only")
        if self.roles and actor.role not in self.roles:
            raise PermissionDenied(
                "Your token's role cannot use this endpoint.", code="role_forbidden"
            )
        request.api_token = api_token  # type: ignore[attr-defined]
        return actor


def actor_of(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return actor
