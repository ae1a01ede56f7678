"""The payment providers Omniloop knows, and which are enabled (`OMNILOOP_PAYMENT_PROVIDERS`).

Providers register by name in code (no class paths in settings); settings only choose which
registered ones are live, so a deployment cannot load arbitrary code by configuration."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from omniloop.core.errors import NotFound
from omniloop.orders.payments.base import PaymentProvider

_factories: dict[str, Callable[[], PaymentProvider]] = {}


def register_provider(name: str, factory: Callable[[], PaymentProvider]) -> None:
    _factories[name] = factory


def enabled_providers() -> list[str]:
    return [n for n in settings.OMNILOOP_PAYMENT_PROVIDERS if n in _factories]


def default_provider_name() -> str:
    name: str = settings.OMNILOOP_PAYMENT_DEFAULT_PROVIDER
    return name if name in enabled_providers() else next(iter(enabled_providers()), name)


def provider_get(name: str) -> PaymentProvider:
    """The enabled provider `name`, or `payment_provider_unknown` (404): a disabled provider's
    notifications are not even parsed."""
    if name not in enabled_providers():
        raise NotFound("No such payment provider.", code="payment_provider_unknown")
    return _factories[name]()


def _builtin() -> None:
    from omniloop.orders.payments.test_provider import TestProvider

    register_provider(TestProvider.name, TestProvider)


_builtin()
