from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from omniloop.accounts.models import ApiToken, Role, User
from omniloop.accounts.scopes import SCOPES, caller_of, scopes_for
from omniloop.core import clock, crypto, rows
from omniloop.core.errors import NotFound, ValidationFailed
from omniloop.stores.models import Store

TOKEN_PREFIX = "olt_"  # noqa: S105 - a public prefix, not a secret
TOKEN_DEFAULT_LIFETIME = timedelta(days=365)
TOKEN_MAX_LIFETIME = timedelta(days=3 * 366)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def token_create(
    *,
    name: str,
    store: Store | None = None,
    role: str | None = None,
    created_by: User | None = None,
    expires_at: datetime | None = None,
    scopes: Iterable[str] | None = None,
) -> IssuedToken:
    """Create a till token (bound to `store`) or an integration token (bound to an HQ `role`).
    The secret is returned once and only its keyed hash is stored.

    `scopes` narrows what the token may do (default: everything its kind or role may); every
    token expires, by default a year from now and at most three."""
    if (store is None) == (role is None):
        raise ValidationFailed("A token is bound to either a store or a role.", code="token_scope")
    if role is not None and role not in (Role.HQ_ADMIN, Role.MARKETER, Role.CS_AGENT):
        raise ValidationFailed("Integration tokens take an HQ role.", code="token_role_invalid")
    kind = ApiToken.Kind.TILL if store else ApiToken.Kind.INTEGRATION
    granted = _token_scopes(caller_of(kind=kind, role=role or ""), scopes)
    now = clock.now()
    if expires_at is None:
        expires_at = now + TOKEN_DEFAULT_LIFETIME
    if expires_at <= now or expires_at > now + TOKEN_MAX_LIFETIME:
        raise ValidationFailed(
            "A token expires in the future, at most three years from now.",
            code="token_expiry_invalid",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name[:100],
        kind=kind,
        store=store,
        role=role or "",
        prefix=secret[:10],
        secret_hash=crypto.token_hash(secret),
        created_by=created_by,
        expires_at=expires_at,
        scopes=granted,
    )
    return IssuedToken(token=token, secret=secret)


def _token_scopes(caller: str, requested: Iterable[str] | None) -> list[str]:
    allowed = scopes_for(caller)
    if requested is None:
        return list(allowed)
    wanted = set(requested)
    unknown = sorted(wanted - set(SCOPES))
    if unknown:
        raise ValidationFailed(f"Unknown scopes: {', '.join(unknown)}.", code="token_scope_unknown")
    refused = sorted(wanted - set(allowed))
    if refused:
        raise ValidationFailed(
            f"This kind of token cannot hold: {', '.join(refused)}.", code="token_scope_forbidden"
        )
    if not wanted:
        raise ValidationFailed("A token needs at least one scope.", code="token_scope_empty")
    return [name for name in allowed if name in wanted]


def _token_with_store(secret_hash: str) -> ApiToken | None:
    """The live token with this hash and its store, in one fixed statement: every till request
    starts here (core.rows)."""
    t, s = rows.shape(ApiToken, "t"), rows.shape(Store, "s")
    sql = (
        f"SELECT {t.columns}, {s.columns} FROM {rows.table(ApiToken, 't')}"  # noqa: S608
        f" LEFT JOIN {rows.table(Store, 's')} ON s.id = t.store_id"
        " WHERE t.secret_hash = %s AND t.revoked_at IS NULL"
    )
    cursor = rows.cursor()
    cursor.execute(sql, [secret_hash])
    row = cursor.fetchone()
    if row is None:
        return None
    token = t.instance(row)
    assert isinstance(token, ApiToken)
    rows.attach(token, "store", s.instance(row, t.width))
    return token


def token_authenticate(*, secret: str) -> ApiToken | None:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = _token_with_store(crypto.token_hash(secret))
    if token is None:
        return None
    now = clock.now()
    if token.expires_at and token.expires_at <= now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def token_revoke(*, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such token.", code="token_not_found")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
    return token


def staff_create(
    *,
    username: str,
    password: str,
    role: str,
    store: Store | None = None,
    display_name: str = "",
    staff_code: str | None = None,
    email: str = "",
) -> User:
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}.", code="role_invalid")
    if role in (Role.STORE_MANAGER, Role.ASSISTANT) and store is None:
        raise ValidationFailed("Store staff need a store.", code="store_required")
    if role not in (Role.STORE_MANAGER, Role.ASSISTANT):
        store = None
    user = User(
        username=username,
        role=role,
        store=store,
        display_name=display_name,
        staff_code=staff_code or None,
        email=email,
    )
    user.set_password(password)
    user.save()
    return user
