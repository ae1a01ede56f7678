"""Our own channels, asked what they show, without the check importing the apps above it.

The H5 pages and the till API live in the interface layer; they register, in their
`AppConfig.ready()`, one function per channel kind that answers "what do you show for this
product?" from the same code their pages and endpoints use. A channel whose kind has a surface
is checked live (source `internal`) and takes no observed listings; every other channel is
checked against the listings integrations push (ADR 10)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from omniloop.listings.values import Shown

if TYPE_CHECKING:
    from omniloop.catalog.models import Product
    from omniloop.stores.models import SalesChannel

# (product, channel, engine unit price) -> what the surface shows. A surface that displays the
# engine's quote (the till) returns the price it is given.
Surface = Callable[["Product", "SalesChannel", Decimal], Shown]
_surfaces: dict[str, Surface] = {}


def register_surface(kind: str, surface: Surface) -> None:
    _surfaces[kind] = surface


def surface_for(kind: str) -> Surface | None:
    return _surfaces.get(kind)


def internal_kinds() -> frozenset[str]:
    return frozenset(_surfaces)
