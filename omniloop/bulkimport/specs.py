"""The canonical columns of each kind of import (README, "Bulk import"). Required ones must be
in the header; other columns of the file are ignored, missing optional ones are empty."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


SPECS = {
    "stores": Spec(
        "stores", ("store_ref",), ("name", "city", "latitude", "longitude", "type", "timezone")
    ),
    "products": Spec(
        "products",
        ("sku_ref",),
        (
            "product_ref",
            "name",
            "category",
            "department",
            "brand",
            "list_price",
            "size",
            "color",
            "launched_at",
            "barcode",
        ),
    ),
    "members": Spec(
        "members",
        ("member_ref",),
        ("phone", "name", "gender", "birth_date", "city", "joined_at", "home_store_ref"),
    ),
    "orders": Spec(
        "orders",
        ("order_ref", "store_ref", "ordered_at", "sku_ref", "quantity", "amount"),
        ("member_ref", "channel", "discount"),
    ),
}
