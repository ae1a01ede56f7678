from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


class Category(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=50)
    name_en = models.CharField(max_length=50, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A style (款). One record feeds every channel: name, description and price are entered
    here once and every touchpoint reads them from here."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "On sale"
        RETIRED = "retired", "Retired"

    style_code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    material = models.CharField(max_length=200, blank=True)
    material_en = models.CharField(max_length=200, blank=True)
    origin = models.CharField(max_length=100, blank=True)
    origin_en = models.CharField(max_length=100, blank=True)
    care = models.CharField(max_length=300, blank=True)
    care_en = models.CharField(max_length=300, blank=True)
    list_price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    launched_on = models.DateField(null=True, blank=True)
    department = models.CharField(max_length=50, blank=True, help_text="e.g. menswear, kids")
    brand = models.CharField(max_length=50, blank=True, help_text="A sub-brand or line")
    outfit: models.ManyToManyField[Product, OutfitLink] = models.ManyToManyField(
        "self", through="OutfitLink", symmetrical=False, related_name="+", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["style_code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(list_price__gte=0), name="product_price_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.style_code} {self.name}"


class ProductPhoto(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="products/")
    position = models.PositiveSmallIntegerField(default=0)
    alt = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["product", "position"]


class Sku(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    sku_code = models.SlugField(max_length=48, unique=True)
    barcode = models.CharField(max_length=32, unique=True)
    size = models.CharField(max_length=16)
    color = models.CharField(max_length=32)
    color_en = models.CharField(max_length=32, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["product", "sku_code"]
        verbose_name = "SKU"

    def __str__(self) -> str:
        return self.sku_code


class ChannelAvailability(models.Model):
    """Whether a style is sold on a channel (R1: channels allocated per product)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="availability")
    channel = models.ForeignKey("stores.SalesChannel", on_delete=models.CASCADE, related_name="+")
    available = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "channel"], name="availability_product_channel"
            )
        ]


class OutfitLink(models.Model):
    """'Complete the look': items that go with a product (trousers and shoes for a jacket)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="outfit_links")
    item = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["product", "position"]
        constraints = [
            models.UniqueConstraint(fields=["product", "item"], name="outfit_unique"),
            models.CheckConstraint(
                condition=~models.Q(product=models.F("item")), name="outfit_not_self"
            ),
        ]


class Collection(models.Model):
    """A hand-picked, named set of products (商品合集: "Autumn capsule", "Best sellers"),
    independent of the category tree. `active` says whether channels show it; offers scoped to
    a collection follow its members whether or not it is shown (a display switch must not end
    a running promotion)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=50)
    name_en = models.CharField(max_length=50, blank=True)
    description = models.TextField(blank=True)
    products: models.ManyToManyField[Product, CollectionItem] = models.ManyToManyField(
        Product, through="CollectionItem", related_name="collections", blank=True
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CollectionItem(models.Model):
    """One product in a collection, at a position (lower first)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["collection", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "product"], name="collection_item_once")
        ]
