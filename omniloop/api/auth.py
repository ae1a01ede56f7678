from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from omniloop.accounts.access import Actor, actor_for_token
from omniloop.accounts.scopes import SCOPES, TILL
from omniloop.accounts.services import token_authenticate
from omniloop.core.errors import PermissionDenied


class TokenAuth(HttpBearer):
    """Bearer token -> Actor, for an operation that needs `scope` (`accounts.scopes`).

    The scope says which callers (till tokens, HQ roles) the operation is for; the token must
    be such a caller and hold the scope. Each refusal has its own code: `till_only`,
    `role_forbidden`, `scope_missing`."""

    def __init__(self, *, scope: str) -> None:
        super().__init__()
        self.scope = SCOPES[scope]  # a typo fails at import, not at the first request

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = token_authenticate(secret=token)
        if api_token is None:
            return None
        actor = actor_for_token(api_token)
        # Set before the checks, so a refusal is audited against the token that asked.
        request.actor = actor  # type: ignore[attr-defined]
        if actor.role not in self.scope.callers:
            if self.scope.callers == {TILL}:
                raise PermissionDenied("This endpoint is for store tills.", code="till_only")
            raise PermissionDenied(
                "Your token's role cannot use this endpoint.", code="role_forbidden"
            )
        if self.scope.name not in api_token.scopes:
            raise PermissionDenied(
                f"This token does not hold the scope {self.scope.name}.", code="scope_missing"
            )
        request.api_token = api_token  # type: ignore[attr-defined]
        return actor


def actor_of(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return actor
