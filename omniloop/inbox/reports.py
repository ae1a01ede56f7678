"""The inbox's reports (客服报表), over the tickets opened in a period that the actor may see:
first-response time distribution, target breaches by store and category, top issues by
product, and the daily trend (in the brand's time zone). Each is one grouped query."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate

from omniloop.accounts.access import Actor
from omniloop.core.brand import brand_settings
from omniloop.inbox.access import tickets_for_actor
from omniloop.inbox.models import Ticket

# (label, upper bound); what is answered later falls in "later", unanswered in "none".
BUCKETS = (
    ("2m", timedelta(minutes=2)),
    ("15m", timedelta(minutes=15)),
    ("1h", timedelta(hours=1)),
    ("4h", timedelta(hours=4)),
    ("24h", timedelta(hours=24)),
)
BREACHED = Q(first_response_breached=True) | Q(resolution_breached=True)


@dataclass(frozen=True)
class InboxReport:
    since: datetime
    until: datetime
    opened: int
    distribution: list[tuple[str, int]]
    breaches: list[dict[str, object]]
    top_products: list[dict[str, object]]
    trend: list[tuple[date, int, int]]


def _period(actor: Actor, since: datetime, until: datetime) -> QuerySet[Ticket]:
    return tickets_for_actor(actor=actor).filter(created_at__gte=since, created_at__lt=until)


def first_response_distribution(tickets: QuerySet[Ticket]) -> list[tuple[str, int]]:
    bucket = Case(
        When(first_responded_at__isnull=True, then=Value("none")),
        *[
            When(first_responded_at__lte=F("created_at") + bound, then=Value(label))
            for label, bound in BUCKETS
        ],
        default=Value("later"),
        output_field=CharField(),
    )
    counts = dict(
        tickets.annotate(bucket=bucket).values_list("bucket").annotate(n=Count("pk")).order_by()
    )
    labels = [label for label, _ in BUCKETS] + ["later", "none"]
    return [(label, int(counts.get(label, 0))) for label in labels]


def breaches_by_store_and_category(tickets: QuerySet[Ticket]) -> list[dict[str, object]]:
    """Tickets that missed a target, by the store they are about (HQ when none) and category."""
    rows = (
        tickets.filter(BREACHED)
        .values("store__code", "category")
        .annotate(
            breaches=Count("pk"),
            first_response=Count("pk", filter=Q(first_response_breached=True)),
            resolution=Count("pk", filter=Q(resolution_breached=True)),
        )
        .order_by("-breaches", "store__code", "category")
    )
    return list(rows)


def top_issues_by_product(tickets: QuerySet[Ticket], *, limit: int = 10) -> list[dict[str, object]]:
    rows = (
        tickets.filter(product__isnull=False)
        .values("product__style_code", "product__name", "category")
        .annotate(tickets=Count("pk"))
        .order_by("-tickets", "product__style_code", "category")
    )
    return list(rows[:limit])


def trend(tickets: QuerySet[Ticket]) -> list[tuple[date, int, int]]:
    tz = zoneinfo.ZoneInfo(brand_settings().timezone)
    rows = (
        tickets.annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(opened=Count("pk"), breached=Count("pk", filter=BREACHED))
        .order_by("day")
    )
    return [(r["day"], int(r["opened"]), int(r["breached"])) for r in rows]


def inbox_report(*, actor: Actor, since: datetime, until: datetime) -> InboxReport:
    tickets = _period(actor, since, until)
    return InboxReport(
        since=since,
        until=until,
        opened=tickets.count(),
        distribution=first_response_distribution(tickets),
        breaches=breaches_by_store_and_category(tickets),
        top_products=top_issues_by_product(tickets),
        trend=trend(tickets),
    )
