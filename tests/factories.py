"""Test factories: plain functions with sensible defaults, no fixture files."""

from __future__ import annotations

import itertools
from decimal import Decimal

from omniloop.accounts.models import Role, User
from omniloop.accounts.services import staff_create
from omniloop.catalog.models import Category, Product, Sku
from omniloop.core.phones import parse_phone
from omniloop.members.models import Member
from omniloop.members.services import member_create, phone_attach
from omniloop.stores.models import Store
from omniloop.touchpoints.models import Touchpoint
from omniloop.touchpoints.services import touchpoint_create

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


def n() -> int:
    return next(_seq)


def make_store(code: str | None = None, **kw: object) -> Store:
    i = n()
    defaults: dict[str, object] = {
        "name": f"门店{i}",
        "name_en": f"Store {i}",
        "city": "上海",
        "timezone": "Asia/Shanghai",
    }
    defaults.update(kw)
    return Store.objects.create(code=code or f"st{i:03d}", **defaults)


def make_user(role: str, store: Store | None = None, username: str | None = None) -> User:
    i = n()
    if role in (Role.STORE_MANAGER, Role.ASSISTANT) and store is None:
        store = make_store()
    return staff_create(
        username=username or f"{role}{i}",
        password=PASSWORD,
        role=role,
        store=store,
        display_name=f"{role} {i}",
        staff_code=f"A{i:05d}" if role == Role.ASSISTANT else None,
    )


def make_product(
    style_code: str | None = None, price: str = "399.00", sizes: tuple[str, ...] = ("S", "M", "L")
) -> Product:
    i = n()
    category, _ = Category.objects.get_or_create(
        code="tops", defaults={"name": "上装", "name_en": "Tops"}
    )
    product = Product.objects.create(
        style_code=style_code or f"P{i:05d}",
        name=f"衬衫{i}",
        name_en=f"Shirt {i}",
        category=category,
        list_price=Decimal(price),
        material="100% 棉",
        material_en="100% cotton",
        origin="中国",
        origin_en="China",
    )
    for size in sizes:
        Sku.objects.create(
            product=product,
            sku_code=f"{product.style_code}-{size}",
            barcode=f"69{i:05d}{len(size)}{ord(size[0]):03d}",
            size=size,
            color="白",
            color_en="White",
        )
    return product


def phone_number(i: int | None = None) -> str:
    return f"1380013{(i if i is not None else n()) % 10000:04d}"


def make_member(phone: str | None = None, **kw: object) -> Member:
    member = member_create(**kw)  # type: ignore[arg-type]
    phone_attach(member=member, phone=parse_phone(phone or phone_number()), source="test")
    return member


def make_touchpoint(
    kind: str,
    *,
    store: Store | None = None,
    assistant: User | None = None,
    product: Product | None = None,
    label: str = "",
) -> Touchpoint:
    return touchpoint_create(
        kind=kind,
        store_id=store.pk if store else None,
        assistant_id=assistant.pk if assistant else None,
        product_id=product.pk if product else None,
        label=label,
    )
