"""QR scans: the members' joining and binding scans, their later browsing of product tags, and
anonymous visitors who scanned and never joined."""

from __future__ import annotations

from datetime import datetime, timedelta

from omniloop.demo.context import Demo, DemoMember
from omniloop.demo.data_places import USER_AGENTS
from omniloop.touchpoints.models import ScanEvent, Touchpoint, Visitor

Scan = tuple[datetime, Touchpoint, int | None]  # when, where, which member (None: anonymous)


def build_scans(demo: Demo) -> None:
    rng = demo.rng
    visitors: list[Visitor] = []
    scans: list[list[Scan]] = []
    for plan in demo.members:
        events: list[Scan] = [(at, tp, plan.member.pk) for at, tp in plan.touches]
        events += [(at, tp, plan.member.pk) for at, tp in _browsing(demo, plan)]
        if not events:
            continue
        events.sort(key=lambda e: e[0])
        first = events[0][0]
        visitors.append(
            Visitor(
                key=rng.uuid4(),
                member_id=plan.member.pk,
                created_at=first,
                linked_at=max(first, plan.joined_at),
            )
        )
        scans.append(events)
    anonymous = _anonymous_touchpoints(demo)
    start = demo.now - timedelta(days=demo.sales_days)
    for _ in range(round(demo.member_count * 0.5)):
        first = start + (demo.now - start) * rng.random()
        events = [
            (first + timedelta(minutes=rng.randint(0, 40)), rng.choice(anonymous), None)
            for _ in range(rng.choices((1, 2, 3), weights=(60, 28, 12))[0])
        ]
        events.sort(key=lambda e: e[0])
        visitors.append(Visitor(key=rng.uuid4(), created_at=events[0][0]))
        scans.append(events)
    Visitor.objects.bulk_create(visitors, batch_size=2000)
    rows = []
    for visitor, events in zip(visitors, scans, strict=True):
        agent = rng.choice(USER_AGENTS)[:200]  # the column keeps the first 200 characters
        for at, tp, member_id in events:
            if at >= demo.now:
                continue
            rows.append(
                ScanEvent(
                    touchpoint_id=tp.pk,
                    visitor_id=visitor.pk,
                    member_id=member_id,
                    store_id=tp.store_id,
                    assistant_id=tp.assistant_id,
                    product_id=tp.product_id,
                    scanned_at=at,
                    user_agent=agent,
                )
            )
    ScanEvent.objects.bulk_create(rows, batch_size=2000)


def _browsing(demo: Demo, plan: DemoMember) -> list[tuple[datetime, Touchpoint]]:
    """Scans of product tags (and posters) in the member's own store: they change no binding."""
    rng = demo.rng
    if not plan.segments:
        return []
    start = max(plan.joined_at, demo.now - timedelta(days=demo.sales_days))
    out = []
    for _ in range(rng.poisson(1.6 * plan.activity)):
        at = start + (demo.now - start) * rng.random()
        where = plan.binding_at(at)
        if where is None:
            continue
        store_id = where[0]
        choices = list(demo.tags.get(store_id, [])) + [
            p for p in demo.posters if p.store_id in (None, store_id)
        ]
        if choices:
            out.append((at, rng.choice(choices)))
    return out


def _anonymous_touchpoints(demo: Demo) -> list[Touchpoint]:
    tags = [tp for tps in demo.tags.values() for tp in tps]
    return tags + list(demo.counters.values()) * 3 + demo.posters * 10
