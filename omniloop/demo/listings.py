"""Demo channel listings: what the web mall, Tmall and JD show for the styles they sell, as
their integrations would push it, mostly in agreement with the catalog and the engine and
with a few kinds of drift, so the Consistency page has something to show."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from omniloop.catalog.models import Product
from omniloop.core import clock
from omniloop.demo.context import Demo
from omniloop.listings.expected import EnginePrices
from omniloop.listings.services import listings_upsert
from omniloop.listings.text import description_hash
from omniloop.listings.values import ListingInput

# channel -> (source, id prefix, URL pattern, drift kinds in the order they are dealt out)
CHANNELS = {
    "web-mall": ("crawl", "W", "https://shop.yijian.example/p/{id}", ("description",)),
    "tmall": (
        "api",
        "68",
        "https://detail.tmall.com/item.htm?id={id}",
        (
            "list_price",
            "list_price",
            "old_price",
            "title",
            "title",
            "description",
            "stale",
            "missing",
            "missing",
        ),
    ),
    "jd": (
        "api",
        "100",
        "https://item.jd.com/{id}.html",
        ("list_price", "old_price", "title", "stale", "stale", "missing"),
    ),
}
TITLE_EXTRAS = ("2026秋冬新款 女装", "官方旗舰 正品", "限时特惠 包邮")


def _listing(
    demo: Demo, product: Product, channel: str, n: int, drift: str | None, price: Decimal
) -> ListingInput | None:
    _, prefix, url, _ = CHANNELS[channel]
    if drift == "missing":
        return None
    external_id = f"{prefix}{demo.rng.digits(9)}"
    title = product.name
    shown = price
    description: str | None = None
    shown_hash: str | None = description_hash(product.description)
    observed = clock.now() - timedelta(hours=demo.rng.randint(1, 40))
    if drift == "list_price":
        shown = product.list_price if product.list_price != price else price + 20
    elif drift == "old_price":
        shown = price + Decimal(demo.rng.choice((30, 50, 100)))
    elif drift == "title":
        title = f"{product.name} {TITLE_EXTRAS[n % len(TITLE_EXTRAS)]}"
    elif drift == "description":
        description, shown_hash = f"{product.description}（赠品以实物为准）", None
    elif drift == "stale":
        observed = clock.now() - timedelta(days=demo.rng.randint(9, 30))
    return ListingInput(
        external_id=external_id,
        style_code=product.style_code,
        title=title,
        price=shown,
        observed_at=observed,
        description=description,
        description_hash=shown_hash,
        url=url.format(id=external_id),
    )


def build_listings(demo: Demo) -> None:
    prices = EnginePrices(at=clock.now())
    for channel, (source, _, _, drifts) in CHANNELS.items():
        sold = [p for p in demo.products if p.pk in demo.availability.get(channel, set())]
        order = list(range(len(sold)))
        demo.rng.shuffle(order)
        dealt = {i: drifts[k] for k, i in enumerate(order[: len(drifts)])}
        items = []
        for i, product in enumerate(sold):
            sku = demo.skus[product.pk][0].sku_code
            price = prices.unit_price(sku_code=sku, channel_code=channel)
            item = _listing(demo, product, channel, i, dealt.get(i), price)
            if item is not None:
                items.append(item)
        listings_upsert(channel_code=channel, items=items, source=source)
