"""API tokens from the command line.

`omniloop token create --store CODE | --role ROLE [--scope NAME ...] [--expires-days N]`,
`omniloop token list`, `omniloop token scopes`, `omniloop token revoke ID`.
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from omniloop.accounts.models import HQ_ROLES
from omniloop.accounts.scopes import SCOPES
from omniloop.accounts.selectors import token_list
from omniloop.accounts.services import token_create, token_revoke
from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.stores.selectors import store_get


class Command(BaseCommand):
    help = "Create, list and revoke API tokens for tills and HQ integrations."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print its secret once")
        scope = create.add_mutually_exclusive_group(required=True)
        scope.add_argument("--store", help="Store code: a till token bound to this store")
        scope.add_argument(
            "--role", choices=[str(r) for r in HQ_ROLES], help="HQ role: an integration token"
        )
        create.add_argument("--name", default="", help="A label, e.g. 'Till 2'")
        create.add_argument(
            "--expires-days", type=int, default=None, help="Default 365, at most 3 years"
        )
        create.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            help="What the token may do (repeat; default: all its kind or role may). "
            "See `omniloop token scopes`.",
        )
        sub.add_parser("list", help="List tokens (never their secrets)")
        sub.add_parser("scopes", help="List the scopes and who may hold them")
        revoke = sub.add_parser("revoke", help="Revoke a token by id")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc

    def _create(self, opts: dict[str, Any]) -> None:
        store = store_get(code=opts["store"]) if opts["store"] else None
        expires = (
            clock.now() + timedelta(days=opts["expires_days"]) if opts["expires_days"] else None
        )
        name = opts["name"] or (f"till {store.code}" if store else f"integration {opts['role']}")
        issued = token_create(
            name=name, store=store, role=opts["role"], expires_at=expires, scopes=opts["scopes"]
        )
        self.stderr.write(
            f"Token {issued.token.pk} created ({name}), scopes {' '.join(issued.token.scopes)}, "
            f"expires {issued.token.expires_at:%Y-%m-%d}. Store the secret now: it is not "
            "shown again."
        )
        self.stdout.write(issued.secret)

    def _list(self, opts: dict[str, Any]) -> None:
        for t in token_list():
            scope = f"store={t.store.code}" if t.store else f"role={t.role}"
            state = "revoked" if t.revoked_at else "active"
            if not t.revoked_at and t.expires_at and t.expires_at <= clock.now():
                state = "expired"
            expires = f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "-"
            self.stdout.write(
                f"{t.pk}\t{t.prefix}…\t{t.kind}\t{scope}\t{state}\t{expires}\t"
                f"{','.join(t.scopes)}\t{t.name}"
            )

    def _scopes(self, opts: dict[str, Any]) -> None:
        for s in SCOPES.values():
            self.stdout.write(f"{s.name}\t{','.join(sorted(s.callers))}\t{s.description}")

    def _revoke(self, opts: dict[str, Any]) -> None:
        token = token_revoke(token_id=opts["token_id"])
        self.stdout.write(f"Token {token.pk} revoked at {token.revoked_at:%Y-%m-%d %H:%M:%S %Z}")
