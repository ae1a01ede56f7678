"""The demo catalogue: categories, sixty styles in their colours and sizes, SVG photos, outfit
links and per-channel availability."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.base import ContentFile

from omniloop.catalog.models import (
    Category,
    ChannelAvailability,
    OutfitLink,
    Product,
    ProductPhoto,
    Sku,
)
from omniloop.demo.context import Demo
from omniloop.demo.data_catalog import (
    BOTTOMS,
    CATEGORIES,
    COLOURS,
    MATERIALS,
    SCARVES,
    TOPS,
)
from omniloop.demo.data_places import BRAND_NAME_EN
from omniloop.demo.data_products import PRODUCTS
from omniloop.demo.rand import ean13
from omniloop.demo.svg import product_svg

GS1_PREFIX = "6971234"  # 69x: China; the rest is the brand's (made-up) company prefix
ONLINE = ("wechat-mall", "web-mall", "tmall", "jd")


def build_catalog(demo: Demo) -> None:
    rng = demo.rng
    Category.objects.bulk_create(
        [Category(code=code, name=name, name_en=name_en) for code, name, name_en, *_ in CATEGORIES]
    )
    categories = {c.code: c for c in Category.objects.all()}
    meta = {code: (letters, shape, sizes) for code, _, _, letters, shape, sizes in CATEGORIES}
    counters: dict[str, int] = {}
    products: list[Product] = []
    for cat, name, name_en, desc, desc_en, material, price, _ in PRODUCTS:
        counters[cat] = counters.get(cat, 0) + 1
        mat, mat_en, origin, origin_en, care, care_en = MATERIALS[material]
        # Most styles are carry-overs; about one in seven launched during the sales period.
        days_ago = (
            rng.randint(12, demo.sales_days)
            if rng.random() < 0.15
            else rng.randint(demo.sales_days + 30, 900)
        )
        products.append(
            Product(
                style_code=f"YJ{meta[cat][0]}{counters[cat]:03d}",
                name=name,
                name_en=name_en,
                description=desc,
                description_en=desc_en,
                category=categories[cat],
                material=mat,
                material_en=mat_en,
                origin=origin,
                origin_en=origin_en,
                care=care,
                care_en=care_en,
                list_price=Decimal(price).quantize(Decimal("0.01")),
                status=Product.Status.ACTIVE,
                launched_on=demo.day(days_ago),
            )
        )
    Product.objects.bulk_create(products)
    demo.products = list(Product.objects.select_related("category").order_by("style_code"))
    by_style = {p.style_code: p for p in demo.products}
    ordered = [by_style[p.style_code] for p in products]  # the PRODUCTS order, for the data
    for product, row in zip(ordered, PRODUCTS, strict=True):
        demo.product_weight[product.pk] = rng.lognormvariate(0, 0.7)
        _product_rows(demo, product, meta[row[0]], row)
    Sku.objects.bulk_create([sku for skus in demo.skus.values() for sku in skus], batch_size=1000)
    by_code = {s.sku_code: s for s in Sku.objects.all()}
    demo.skus = {pid: [by_code[s.sku_code] for s in skus] for pid, skus in demo.skus.items()}
    _photos(demo, ordered, meta)
    _outfits(demo, categories)
    _availability(demo)


def _product_rows(
    demo: Demo, product: Product, meta: tuple[str, str, tuple[str, ...]], row: tuple
) -> None:
    sizes = meta[2]
    skus: list[Sku] = []
    for colour in row[7]:
        colour_name, colour_en, _ = COLOURS[colour]
        for size in sizes:
            seq = sum(len(v) for v in demo.skus.values()) + len(skus) + 1
            skus.append(
                Sku(
                    product=product,
                    sku_code=f"{product.style_code}-{colour}-{size}",
                    barcode=ean13(f"{GS1_PREFIX}{seq:05d}"),
                    size=size,
                    color=colour_name,
                    color_en=colour_en,
                    active=True,
                )
            )
    demo.skus[product.pk] = skus


def _photos(demo: Demo, ordered: list[Product], meta: dict) -> None:
    photos = []
    for product, row in zip(ordered, PRODUCTS, strict=True):
        shape = "scarf" if product.name in SCARVES else meta[row[0]][1]
        colours = list(row[7][:2])
        variants = [(c, 0) for c in colours]
        if len(colours) == 1 and demo.rng.random() < 0.5:
            variants.append((colours[0], 1))  # a closer look at the fabric
        for position, (colour, variant) in enumerate(variants):
            colour_name, colour_en, hex_colour = COLOURS[colour]
            photo = ProductPhoto(
                product=product, position=position, alt=f"{product.name} {colour_name}"[:100]
            )
            svg = product_svg(
                shape=shape,
                colour=hex_colour,
                caption=BRAND_NAME_EN,
                title=f"{product.name_en}, {colour_en}",
                variant=variant,
            )
            photo.image.save(
                f"{product.style_code.lower()}-{position + 1}.svg", ContentFile(svg), save=False
            )
            demo.files.append(photo.image.name)
            photos.append(photo)
    ProductPhoto.objects.bulk_create(photos)


def _outfits(demo: Demo, categories: dict[str, Category]) -> None:
    """Each top links to 2-3 things that complete the look: trousers, shoes, an accessory."""
    rng = demo.rng
    by_cat: dict[str, list[Product]] = {c: [] for c in categories}
    for p in demo.products:
        by_cat[p.category.code].append(p)
    links = []
    for product in demo.products:
        if product.category.code not in TOPS:
            continue
        pools = [c for c in BOTTOMS if not (c == "trousers" and product.category.code == "dresses")]
        if product.category.code == "dresses":
            pools.append("coats")
        picks = [
            rng.choice(by_cat[c]) for c in rng.sample(pools, k=min(len(pools), rng.choice((2, 3))))
        ]
        for position, item in enumerate(picks):
            links.append(OutfitLink(product=product, item=item, position=position))
    OutfitLink.objects.bulk_create(links)


def _availability(demo: Demo) -> None:
    """Most styles sell everywhere; some are web exclusives, some stay in stores, a few skip JD."""
    rng = demo.rng
    rows = []
    demo.availability = {code: set() for code in demo.channels}
    for product in demo.products:
        roll = rng.random()
        off: set[str] = set()
        if roll < 0.1:
            off = {"store-till"}
        elif roll < 0.2:
            off = set(ONLINE)
        elif roll < 0.26:
            off = {"jd"}
        for code, channel in demo.channels.items():
            available = code not in off
            rows.append(ChannelAvailability(product=product, channel=channel, available=available))
            if available:
                demo.availability[code].add(product.pk)
    ChannelAvailability.objects.bulk_create(rows)
