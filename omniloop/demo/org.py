"""The brand's organisation: settings, sales channels, stores and staff."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from omniloop.accounts.models import Role, User
from omniloop.core.brand import brand_settings
from omniloop.core.models import BrandSettings
from omniloop.demo.context import Demo
from omniloop.demo.data_places import (
    ASSISTANTS_PER_STORE,
    BRAND_NAME,
    BRAND_NAME_EN,
    CHANNELS,
    DEMO_PASSWORD,
    GIVEN_F,
    GIVEN_M,
    HQ_STAFF,
    STORES,
    SURNAMES,
    TIMEZONE,
)
from omniloop.stores.models import SalesChannel, Store


def build_brand() -> None:
    brand = brand_settings()
    brand.name = BRAND_NAME
    brand.name_en = BRAND_NAME_EN
    brand.timezone = TIMEZONE
    brand.welcome_points = 100
    brand.protection_days = 90
    brand.binding_mode = BrandSettings.BindingMode.TAKEOVER_AFTER_PROTECTION
    brand.save()


def build_channels(demo: Demo) -> None:
    # update_or_create: the till channel may exist already (the till service creates it on use).
    for code, name, name_en, kind, platform, external_id in CHANNELS:
        SalesChannel.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "kind": kind,
                "platform": platform,
                "external_id": external_id,
                "active": True,
            },
        )
    demo.channels = {c.code: c for c in SalesChannel.objects.all()}


def build_stores(demo: Demo) -> None:
    stores = []
    for seed in STORES:
        planned = seed.opened_days_ago < 0
        stores.append(
            Store(
                code=seed.code,
                name=seed.name,
                name_en=seed.name_en,
                city=seed.city,
                address=seed.address,
                latitude=Decimal(seed.lat),
                longitude=Decimal(seed.lon),
                type=seed.type,
                timezone=TIMEZONE,
                opened_on=demo.day(seed.opened_days_ago),
                status=Store.Status.PLANNED if planned else Store.Status.OPEN,
            )
        )
    Store.objects.bulk_create(stores)
    demo.stores = list(Store.objects.order_by("code"))
    weights = {seed.code: seed.weight for seed in STORES}
    demo.store_weight = {s.pk: weights[s.code] for s in demo.stores}


def person_name(demo: Demo, gender: str) -> str:
    given = GIVEN_F if gender == "f" else GIVEN_M
    return demo.rng.choice(SURNAMES) + demo.rng.choice(given)


def build_staff(demo: Demo) -> None:
    """One password hash for everyone: hashing 80 passwords would take most of the load time."""
    rng = demo.rng
    password = make_password(DEMO_PASSWORD)
    users = [
        User(username=username, role=role, display_name=display, password=password)
        for username, role, display in HQ_STAFF
    ]
    for store in demo.stores:
        prefix = store.code.upper()
        users.append(
            User(
                username=f"{store.code}-manager",
                role=Role.STORE_MANAGER,
                store=store,
                display_name=person_name(demo, rng.choice("fm")),
                staff_code=f"{prefix}M",
                password=password,
            )
        )
        if store.status != Store.Status.OPEN:
            continue  # a planned store has a manager for the fit-out, no floor staff yet
        for i in range(1, ASSISTANTS_PER_STORE + 1):
            users.append(
                User(
                    username=f"{store.code}-a{i}",
                    role=Role.ASSISTANT,
                    store=store,
                    display_name=person_name(demo, "f" if rng.random() < 0.75 else "m"),
                    staff_code=f"{prefix}{i:02d}",
                    password=password,
                )
            )
    for user in users:
        user.email = f"{user.username}@yijian.example"
        user.date_joined = demo.now - timedelta(days=rng.randint(30, 900))
    names = [u.username for u in users]
    kept = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create([u for u in users if u.username not in kept])  # kept: superusers
    by_name = {u.username: u for u in User.objects.filter(username__in=names)}
    demo.hq_staff = [by_name[username] for username, _, _ in HQ_STAFF]
    for store in demo.stores:
        demo.managers[store.pk] = by_name[f"{store.code}-manager"]
        team = [
            by_name[f"{store.code}-a{i}"]
            for i in range(1, ASSISTANTS_PER_STORE + 1)
            if f"{store.code}-a{i}" in by_name
        ]
        demo.assistants[store.pk] = team
        # Some assistants sell far more than others: the leaderboards need a shape.
        for user, weight in zip(
            team, rng.sample([1.7, 1.3, 1.0, 0.8, 0.5], k=len(team)), strict=False
        ):
            demo.assistant_weight[user.pk] = weight
