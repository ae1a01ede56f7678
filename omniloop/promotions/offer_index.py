"""An in-process index of the automatic offers (active, not coupon-only, not ended), so a quote
looks at the few offers that can touch its basket instead of loading every program (Odoo's
minutes with 1,000+ programs). See docs/adr/0008-offer-index.md.

The index is keyed by product id, by category id, by collection id and an "all products" list;
channel and store restrictions are filtered per quote. It also holds the category tree (each
category with its ancestors) and each product's collections, which every basket line needs.

Freshness: offer saves, scope edits and collection edits in this process invalidate it at once
(signals). Changes made by anyone else are caught by the stamp, a row that database triggers
change on every write to the tables the index is built from (ADR 47), read at most once per
`CHECK_EVERY` seconds per process outside a transaction and once per quote inside one: when it
differs from the one the index was built at, the index is rebuilt. An index older than `MAX_AGE`
is rebuilt anyway, as a safety net."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q
from django.db.models.signals import m2m_changed, post_delete, post_save

from omniloop.catalog.collection_selectors import collection_memberships
from omniloop.catalog.models import Category, Collection, CollectionItem, Product
from omniloop.core import clock, rows
from omniloop.promotions.models import Offer, OfferIndexStamp
from omniloop.promotions.rules import offer_rule
from omniloop.promotions.values import Candidate, LineIn, OfferRule
from omniloop.stores.models import Store

CHECK_EVERY = 1.0  # seconds between fingerprint reads: how late another process's edit shows
MAX_AGE = 60.0  # seconds


@dataclass(frozen=True)
class OfferIndex:
    fingerprint: tuple[Any, ...]
    generation: int
    built_at: float  # time.monotonic()
    everywhere: tuple[OfferRule, ...]
    by_product: dict[int, tuple[OfferRule, ...]]
    by_category: dict[int, tuple[OfferRule, ...]]
    by_collection: dict[int, tuple[OfferRule, ...]]
    categories: dict[int, frozenset[int]]  # category id -> itself and its ancestors
    collections: dict[int, frozenset[int]]  # product id -> the collections it is in
    size: int
    # Rules of coupon-only offers, made on first use: as fresh as the index itself, since any
    # offer or scope change makes a new index (signals, fingerprint).
    coupon_rules: dict[int, OfferRule] = field(default_factory=dict)

    def rule_of(self, offer: Offer) -> OfferRule:
        """The engine rule of a presented coupon's offer; its scope is read once per index."""
        rule = self.coupon_rules.get(offer.pk)
        if rule is None:
            rule = self.coupon_rules[offer.pk] = offer_rule(offer)
        return rule

    def rules_for(
        self, lines: Sequence[LineIn], *, channel: str, store_id: int | None
    ) -> list[OfferRule]:
        """The offers whose scope touches `lines` and which run in this channel and store,
        in (priority, id) order."""
        found = {r.id: r for r in self.everywhere}
        for line in lines:
            for r in self.by_product.get(line.product_id, ()):
                found[r.id] = r
            for category_id in line.category_ids:
                for r in self.by_category.get(category_id, ()):
                    found[r.id] = r
            for collection_id in line.collection_ids:
                for r in self.by_collection.get(collection_id, ()):
                    found[r.id] = r
        return sorted(
            (
                r
                for r in found.values()
                if (not r.channels or channel in r.channels)
                and (not r.store_ids or store_id in r.store_ids)
            ),
            key=lambda r: (r.priority, r.id),
        )


_lock = threading.Lock()
_current: OfferIndex | None = None
_checked_at = 0.0  # time.monotonic() of the last fingerprint that matched
_generation = 0


def invalidate(**_: Any) -> None:
    """Forget the index (signal receiver): the next quote checks and rebuilds it."""
    global _generation
    _generation += 1


_SCOPE_TABLES = (
    Offer.products.through,
    Offer.categories.through,
    Offer.collections.through,
    Offer.stores.through,
)
# Collection services save the collection after changing its items (bulk, no item signals).
_WATCHED = (Offer, Category, Collection, CollectionItem)
for _model in _WATCHED:
    _name = _model._meta.model_name
    post_save.connect(invalidate, sender=_model, dispatch_uid=f"offer_index_{_name}_save")
    post_delete.connect(invalidate, sender=_model, dispatch_uid=f"offer_index_{_name}_delete")
for _through in (*_SCOPE_TABLES, CollectionItem):
    m2m_changed.connect(invalidate, sender=_through, dispatch_uid=f"offer_index_{_through}")


# What the index is built from: a write to any of these tables changes the stamp (database
# triggers, promotions migration 0006; `tests/promotions/test_offer_index_stamp.py` checks that
# every one of them carries its triggers).
WATCHED_TABLES = (
    Offer._meta.db_table,
    *(t._meta.db_table for t in _SCOPE_TABLES),
    CollectionItem._meta.db_table,
    Category._meta.db_table,
)


def _fingerprint() -> tuple[Any, ...]:
    """One primary-key read: the stamp the triggers set on every write to `WATCHED_TABLES`
    (ADR 47), by anyone, so another process's edit, a bulk update or raw SQL all show. It
    replaced counting those tables, which cost 1.8 ms of PostgreSQL time per sale with 1,000
    offers and 20,000 scope rows. No row (a test's flush emptied the table) reads as None;
    the next write makes one."""
    row = rows.cursor()
    row.execute(_STAMP_SQL)
    found = row.fetchone()
    return (found[0] if found else None,)


_STAMP_SQL = f"SELECT stamp FROM {OfferIndexStamp._meta.db_table} WHERE id = 1"  # noqa: S608


def _live_offers() -> Iterable[Offer]:
    now = clock.now()
    return (
        Offer.objects.filter(status=Offer.Status.ACTIVE, coupon_only=False)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .prefetch_related(
            Prefetch("products", queryset=Product.objects.only("pk")),
            Prefetch("categories", queryset=Category.objects.only("pk")),
            Prefetch("collections", queryset=Collection.objects.only("pk")),
            Prefetch("stores", queryset=Store.objects.only("pk")),
        )
    )


def _category_tree() -> dict[int, frozenset[int]]:
    """Category id -> itself and every ancestor: an offer on "tops" covers "shirts"."""
    parents = dict(Category.objects.order_by().values_list("pk", "parent_id"))
    out: dict[int, frozenset[int]] = {}
    for pk in parents:
        chain: list[int] = []
        node: int | None = pk
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        out[pk] = frozenset(chain)
    return out


def _build(fingerprint: tuple[Any, ...], generation: int) -> OfferIndex:
    everywhere: list[OfferRule] = []
    by_product: defaultdict[int, list[OfferRule]] = defaultdict(list)
    by_category: defaultdict[int, list[OfferRule]] = defaultdict(list)
    by_collection: defaultdict[int, list[OfferRule]] = defaultdict(list)
    size = 0
    for offer in _live_offers():
        rule = offer_rule(offer)
        size += 1
        if rule.all_products:
            everywhere.append(rule)
            continue
        for product_id in rule.product_ids:
            by_product[product_id].append(rule)
        for category_id in rule.category_ids:
            by_category[category_id].append(rule)
        for collection_id in rule.collection_ids:
            by_collection[collection_id].append(rule)
    return OfferIndex(
        fingerprint=fingerprint,
        generation=generation,
        built_at=time.monotonic(),
        everywhere=tuple(everywhere),
        by_product={k: tuple(v) for k, v in by_product.items()},
        by_category={k: tuple(v) for k, v in by_category.items()},
        by_collection={k: tuple(v) for k, v in by_collection.items()},
        categories=_category_tree(),
        collections=collection_memberships(),
        size=size,
    )


def _since(moment: float) -> float:
    """Seconds since a monotonic moment; a clock that went back (a frozen test clock) counts
    as long ago, so the index is checked rather than trusted."""
    elapsed = time.monotonic() - moment
    return elapsed if elapsed >= 0 else float("inf")


def _usable(index: OfferIndex | None) -> bool:
    return (
        index is not None and index.generation == _generation and _since(index.built_at) < MAX_AGE
    )


def current_index() -> OfferIndex:
    """The index, checked against the database at most every `CHECK_EVERY` seconds and
    rebuilt first if offers changed since it was built."""
    global _current, _checked_at
    index = _current
    if _usable(index) and _since(_checked_at) < CHECK_EVERY:
        assert index is not None
        return index
    fingerprint = _fingerprint()
    with _lock:
        index = _current
        if not (_usable(index) and index is not None and index.fingerprint == fingerprint):
            # Read the generation before loading: an invalidation while we load forces
            # another rebuild rather than being lost.
            index = _build(fingerprint, _generation)
            _current = index
        # What a transaction read may be rolled back without any signal (tests roll back
        # every test): a check made inside one is good for this quote only.
        _checked_at = float("-inf") if connection.in_atomic_block else time.monotonic()
    return index


def offer_candidates(
    *, lines: Sequence[LineIn], channel: str, store_id: int | None
) -> list[Candidate]:
    """The automatic offers that may apply to `lines` in this channel and store."""
    if not lines:
        return []
    return [
        Candidate(rule)
        for rule in current_index().rules_for(lines, channel=channel, store_id=store_id)
    ]
