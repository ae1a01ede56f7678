"""What a till shows, for the consistency check (`listings.surfaces`)."""

from __future__ import annotations

from decimal import Decimal

from omniloop.catalog.models import Product
from omniloop.listings.values import Shown
from omniloop.stores.models import SalesChannel


def till_shown(product: Product, channel: SalesChannel, engine_price: Decimal) -> Shown:
    """A till prices through `/pos/quote` and charges what it answers (a sale at another total is
    refused), which is the engine's price. Its item names and texts are the till's own, so no
    title or description is compared."""
    return Shown(title=None, description=None, price=engine_price)
