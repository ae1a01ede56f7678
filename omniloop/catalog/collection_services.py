"""Collection services: create a collection, edit its words and switch, add and remove products.

Membership changes are deltas ("add these", "remove those"), never "replace the list with
mine", and each takes the collection's row lock: two marketers editing one collection at once
both get their changes, in one order or the other, and adding a product that is already in or
removing one that is not is a no-op. Every membership change also saves the collection, so its
`updated_at` says when it last changed (the promotions offer index listens for that save; see
docs/adr/0008-offer-index.md)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max, Model

from omniloop.catalog.models import Collection, CollectionItem, Product
from omniloop.core.errors import NotFound, ValidationFailed

log = logging.getLogger("omniloop.catalog")

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
MAX_PRODUCTS = 500  # per collection: a hand-picked set, not a second catalogue
TEXT_FIELDS = {"name": 50, "name_en": 50, "description": 2000}
EDITABLE = frozenset({*TEXT_FIELDS, "active"})


def _fail(code: str, message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, extra={"field": field})


def _product_ids(values: Iterable[Any], field: str) -> list[int]:
    """Product ids from ints or instances, in the order given, without repeats; each must
    exist."""
    out: list[int] = []
    for value in values or ():
        pk = value.pk if isinstance(value, Model) else value
        if isinstance(pk, bool) or not isinstance(pk, int) or pk <= 0:
            raise _fail("collection_product_invalid", "List products by id.", field)
        if pk not in out:
            out.append(pk)
    if out and Product.objects.filter(pk__in=out).count() != len(out):
        raise _fail("collection_product_unknown", "A listed product does not exist.", field)
    return out


def _clean_text(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise ValidationFailed(
            "Unknown collection field.",
            code="collection_field_unknown",
            extra={"fields": unknown},
        )
    out = dict(changes)
    for name, limit in TEXT_FIELDS.items():
        if name in out:
            out[name] = str(out[name] or "").strip()
            if len(out[name]) > limit:
                raise _fail("collection_text_too_long", "This text is too long.", name)
    if "name" in out and not out["name"]:
        raise _fail("collection_name_invalid", "Give the collection a name.", "name")
    if "active" in out:
        out["active"] = bool(out["active"])
    return out


def _locked(collection_id: int) -> Collection:
    collection = Collection.objects.select_for_update().filter(pk=collection_id).first()
    if collection is None:
        raise NotFound("Collection not found.", code="collection_not_found")
    return collection


def _add(collection: Collection, product_ids: Sequence[int]) -> int:
    present = set(
        CollectionItem.objects.filter(collection=collection).values_list("product_id", flat=True)
    )
    new = [pk for pk in product_ids if pk not in present]
    if len(present) + len(new) > MAX_PRODUCTS:
        raise _fail(
            "collection_too_large",
            f"A collection holds at most {MAX_PRODUCTS} products.",
            "products",
        )
    last = CollectionItem.objects.filter(collection=collection).aggregate(m=Max("position"))["m"]
    start = 0 if last is None else last + 1
    CollectionItem.objects.bulk_create(
        CollectionItem(collection=collection, product_id=pk, position=start + i)
        for i, pk in enumerate(new)
    )
    return len(new)


def _remove(collection: Collection, product_ids: Sequence[int]) -> int:
    if not product_ids:
        return 0
    removed, _ = CollectionItem.objects.filter(
        collection=collection, product_id__in=product_ids
    ).delete()
    return removed


def collection_create(
    *,
    code: str,
    name: str,
    name_en: str = "",
    description: str = "",
    active: bool = True,
    products: Sequence[Any] = (),
    actor_label: str = "",
) -> Collection:
    """A new collection with `products` (ids or instances) in the order given. The code is
    the collection's name in URLs and is never changed. Nothing is written unless every check
    passes."""
    code = (code or "").strip().lower()
    if not CODE_RE.match(code):
        raise _fail(
            "collection_code_invalid",
            "Use up to 32 lower-case letters, digits and hyphens.",
            "code",
        )
    fields = _clean_text(
        {"name": name, "name_en": name_en, "description": description, "active": active}
    )
    product_ids = _product_ids(products, "products")
    with transaction.atomic():
        if Collection.objects.filter(code=code).exists():
            raise _fail("collection_code_taken", "Another collection has this code.", "code")
        collection = Collection.objects.create(code=code, **fields)
        _add(collection, product_ids)
    log.info("collection %s created by %s", collection.pk, actor_label)
    return collection


def _edit(
    collection_id: int,
    changes: dict[str, Any],
    add_products: Sequence[Any],
    remove_products: Sequence[Any],
    actor_label: str,
) -> tuple[Collection, int, int]:
    fields = _clean_text(changes)
    to_add = _product_ids(add_products, "add_products")
    to_remove = _product_ids(remove_products, "remove_products")
    with transaction.atomic():
        collection = _locked(collection_id)
        for name, value in fields.items():
            setattr(collection, name, value)
        removed = _remove(collection, to_remove)
        added = _add(collection, to_add)
        collection.save(update_fields=[*fields, "updated_at"])
    log.info(
        "collection %s updated by %s: %s, +%s -%s products",
        collection.pk,
        actor_label,
        sorted(fields),
        added,
        removed,
    )
    return collection, added, removed


def collection_update(
    *,
    collection_id: int,
    actor_label: str = "",
    add_products: Sequence[Any] = (),
    remove_products: Sequence[Any] = (),
    **changes: Any,
) -> Collection:
    """Change the name, English name, description or `active`, remove `remove_products` and
    append `add_products` (in that order, so a product in both stays, at the end), in one
    transaction under the collection's row lock."""
    return _edit(collection_id, changes, add_products, remove_products, actor_label)[0]


def collection_add_products(
    *, collection_id: int, products: Sequence[Any], actor_label: str = ""
) -> int:
    """Append the products not yet in the collection, in the order given; returns how many
    were added (those already in keep their place)."""
    return _edit(collection_id, {}, products, (), actor_label)[1]


def collection_remove_products(
    *, collection_id: int, products: Sequence[Any], actor_label: str = ""
) -> int:
    """Take the products out of the collection; returns how many were in it."""
    return _edit(collection_id, {}, (), products, actor_label)[2]
