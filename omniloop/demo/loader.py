"""Load the demo brand (衣见 YIJIAN) in one transaction, step by step, with bulk inserts only."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from omniloop.accounts.models import User
from omniloop.accounts.services import token_create
from omniloop.catalog.models import Category, Product
from omniloop.core import clock
from omniloop.core.errors import Conflict, ValidationFailed
from omniloop.demo.bindings import build_bindings
from omniloop.demo.catalog import build_catalog
from omniloop.demo.collections import build_collections
from omniloop.demo.context import Demo
from omniloop.demo.data_places import TIMEZONE
from omniloop.demo.listings import build_listings
from omniloop.demo.members import build_members
from omniloop.demo.org import build_brand, build_channels, build_staff, build_stores
from omniloop.demo.promotions import build_promotions
from omniloop.demo.rand import DemoRandom
from omniloop.demo.reset import demo_reset
from omniloop.demo.sales import build_sales
from omniloop.demo.scans import build_scans
from omniloop.demo.settlement import build_settlement
from omniloop.demo.stock import build_stock
from omniloop.demo.touchpoints import build_touchpoints
from omniloop.members.models import Member
from omniloop.stores.models import Store
from omniloop.wall.rebuild import wall_rebuild

DEFAULT_SEED = 2026


def _organisation(demo: Demo) -> None:
    build_brand()
    build_channels(demo)
    build_stores(demo)
    build_staff(demo)


def _wall(demo: Demo) -> None:
    wall_rebuild()  # the demo's loads are set-based: they bypass the wall's events


STEPS: tuple[tuple[str, Callable[[Demo], None]], ...] = (
    ("brand, channels, stores, staff", _organisation),
    ("catalogue and photos", build_catalog),
    ("collections", build_collections),
    ("touchpoints", build_touchpoints),
    ("members, identities, consents, points", build_members),
    ("bindings", build_bindings),
    ("scans", build_scans),
    ("orders", build_sales),
    ("settlement", build_settlement),
    ("promotions", build_promotions),
    ("channel listings", build_listings),
    ("stock", build_stock),
    ("wall aggregates", _wall),
)


@dataclass
class LoadResult:
    loaded: bool
    seconds: float = 0.0
    steps: list[tuple[str, float]] = field(default_factory=list)
    till_secret: str = ""


def demo_load(
    *,
    seed: int = DEFAULT_SEED,
    members: int = 5000,
    months: int = 6,
    reset: bool = False,
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Load the demo brand. Without `reset`, an already loaded database is left alone."""
    started = time.perf_counter()
    if members < 1 or months < 1:
        raise ValidationFailed("--members and --months must be at least 1.", code="demo_size")
    if not reset and demo_loaded():
        return LoadResult(loaded=False)
    today = timezone.localtime(clock.now(), ZoneInfo(TIMEZONE)).date()
    demo = Demo(seed=seed, member_count=members, months=months, rng=DemoRandom(seed), today=today)
    result = LoadResult(loaded=True)
    try:
        with transaction.atomic():  # the reset too: a failed load leaves the old data in place
            if reset:
                demo_reset()
            elif _has_brand_data():
                raise Conflict(
                    "The database holds members or products but no stores; load the "
                    "demo with --reset.",
                    code="demo_not_empty",
                )
            for name, step in STEPS:
                t0 = time.perf_counter()
                step(demo)
                result.steps.append((name, time.perf_counter() - t0))
                if progress:
                    progress(f"  {name}: {result.steps[-1][1]:.1f} s")
            flagship = next(s for s in demo.stores if s.code == "sh01")
            result.till_secret = token_create(name="Demo till sh01", store=flagship).secret
    except BaseException:
        for name in demo.files:  # the rollback does not remove the photos we wrote
            default_storage.delete(name)
        raise
    result.seconds = time.perf_counter() - started
    return result


def demo_loaded() -> bool:
    """Stores exist: a demo (or a real brand) is loaded, and a plain load must not touch it."""
    return Store.objects.exists()


def _has_brand_data() -> bool:
    return (
        Member.objects.exists()
        or Product.objects.exists()
        or Category.objects.exists()
        or User.objects.filter(is_superuser=False).exists()
    )
