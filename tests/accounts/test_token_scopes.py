"""API token scopes and expiry: what a token may hold, the default grant, and the lifetime."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from omniloop.accounts.models import ApiToken, Role
from omniloop.accounts.scopes import SCOPES, TILL, scopes_for
from omniloop.accounts.services import token_authenticate, token_create
from omniloop.core import clock
from omniloop.core.errors import ValidationFailed
from tests.factories import make_store

pytestmark = pytest.mark.django_db


def test_the_default_grant_is_everything_the_kind_or_role_may_hold():
    till = token_create(name="till", store=make_store()).token
    assert till.scopes == list(scopes_for(TILL))
    assert "pos.sales" in till.scopes and "members.erase" not in till.scopes
    marketer = token_create(name="crm", role=Role.MARKETER).token
    assert marketer.scopes == list(scopes_for(Role.MARKETER))
    assert "members.export" not in marketer.scopes and "segments" in marketer.scopes
    # Every scope can be held by someone, and every caller holds something.
    assert set().union(*(s.callers for s in SCOPES.values())) == {TILL, *map(str, Role)} - {
        Role.STORE_MANAGER,
        Role.ASSISTANT,
    }


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"role": Role.MARKETER, "scopes": ["members.erase"]}, "token_scope_forbidden"),
        ({"role": Role.HQ_ADMIN, "scopes": ["pos.sales"]}, "token_scope_forbidden"),
        ({"role": Role.HQ_ADMIN, "scopes": ["everything"]}, "token_scope_unknown"),
        ({"role": Role.HQ_ADMIN, "scopes": []}, "token_scope_empty"),
        ({"role": Role.HQ_ADMIN, "expires_at": "past"}, "token_expiry_invalid"),
        ({"role": Role.HQ_ADMIN, "expires_at": "far"}, "token_expiry_invalid"),
    ],
)
def test_bad_grants_are_refused_and_nothing_is_written(kwargs, code):
    if kwargs.get("expires_at") == "past":
        kwargs["expires_at"] = clock.now() - timedelta(seconds=1)
    elif kwargs.get("expires_at") == "far":
        kwargs["expires_at"] = clock.now() + timedelta(days=4 * 365)
    with pytest.raises(ValidationFailed) as caught:
        token_create(name="bad", **kwargs)
    assert caught.value.code == code
    assert not ApiToken.objects.exists()


def test_a_narrow_grant_keeps_the_catalogue_order_and_every_token_expires():
    issued = token_create(
        name="feed", role=Role.HQ_ADMIN, scopes=["stores.read", "inventory.write"]
    )
    assert issued.token.scopes == ["stores.read", "inventory.write"]
    lifetime = issued.token.expires_at - clock.now()
    assert timedelta(days=364) < lifetime <= timedelta(days=365)
    assert token_authenticate(secret=issued.secret) == issued.token


def test_the_command_creates_lists_and_explains_scopes():
    out, err = StringIO(), StringIO()
    call_command(
        "token",
        "create",
        "--role",
        "hq_admin",
        "--scope",
        "inventory.write",
        stdout=out,
        stderr=err,
    )
    assert ApiToken.objects.get().scopes == ["inventory.write"]
    assert "inventory.write" in err.getvalue()
    listing = StringIO()
    call_command("token", "list", stdout=listing)
    assert "inventory.write" in listing.getvalue() and "active" in listing.getvalue()
    catalogue = StringIO()
    call_command("token", "scopes", stdout=catalogue)
    assert len(catalogue.getvalue().splitlines()) == len(SCOPES)
    with pytest.raises(CommandError, match="token_scope_forbidden"):
        call_command("token", "create", "--role", "marketer", "--scope", "members.erase")
