"""Reads for the H5 pages and the dashboard's growth pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from omniloop.accounts.models import User
from omniloop.growth.models import EmployeeCode, EmployeeRecruit, Lottery, LotteryEntry, Referral
from omniloop.members.models import Member
from omniloop.orders.models import Order


@dataclass(frozen=True)
class ReferralRow:
    id: int
    referrer_code: str
    referee_code: str
    referee_name: str  # first character only, the rest masked
    status: str
    reason: str
    joined_at: datetime
    paid_at: datetime | None
    reward_due_at: datetime | None
    decided_at: datetime | None
    referrer_points: int
    status_label: str = ""


def _initial(name: str) -> str:
    return f"{name[:1]}**" if name else "***"


def _row(r: Referral) -> ReferralRow:
    return ReferralRow(
        r.pk,
        r.referrer.code,
        r.referee.code,
        _initial(r.referee.name),
        r.status,
        r.reason,
        r.joined_at,
        r.paid_at,
        r.reward_due_at,
        r.decided_at,
        r.referrer_points,
        str(Referral.Status(r.status).label),
    )


def referrals_of(*, member_id: int, limit: int = 50) -> list[ReferralRow]:
    """What a referrer sees of their referrals (referees' names masked)."""
    qs = (
        Referral.objects.filter(referrer_id=member_id)
        .select_related("referrer", "referee")
        .order_by("-joined_at", "-pk")[:limit]
    )
    return [_row(r) for r in qs]


def referral_counts(*, member_id: int | None = None) -> dict[str, int]:
    qs = Referral.objects.all()
    if member_id is not None:
        qs = qs.filter(referrer_id=member_id)
    counts = {s: 0 for s in Referral.Status.values}
    for status, n in qs.values_list("status").annotate(n=Count("pk")).order_by():
        counts[status] = n
    return counts


def referral_reasons() -> dict[str, int]:
    rows = (
        Referral.objects.exclude(reason="")
        .values_list("reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason")
    )
    return dict(rows)


@dataclass(frozen=True)
class ReferrerRow:
    member_code: str
    referrals: int
    rewarded: int
    refused: int
    points: int


def referrer_leaderboard(*, limit: int = 20) -> list[ReferrerRow]:
    rows = (
        Referral.objects.values("referrer__code")
        .annotate(
            n=Count("pk"),
            rewarded=Count("pk", filter=Q(status=Referral.Status.REWARDED)),
            refused=Count("pk", filter=Q(status=Referral.Status.REFUSED)),
            points=Coalesce(Sum("referrer_points"), 0),
        )
        .order_by("-rewarded", "-n", "referrer__code")[:limit]
    )
    return [
        ReferrerRow(r["referrer__code"], r["n"], r["rewarded"], r["refused"], r["points"])
        for r in rows
    ]


def referral_list(*, status: str | None = None, limit: int = 200) -> list[ReferralRow]:
    qs = Referral.objects.select_related("referrer", "referee").order_by("-joined_at", "-pk")
    if status:
        qs = qs.filter(status=status)
    return [_row(r) for r in qs[:limit]]


# --- Lotteries -------------------------------------------------------------------------------


def lottery_list() -> QuerySet[Lottery]:
    return (
        Lottery.objects.select_related("coupon_template", "touchpoint")
        .annotate(entry_count=Count("entries"))
        .order_by("-created_at", "-pk")
    )


def lottery_for_touchpoint(*, touchpoint_id: int) -> int | None:
    return Lottery.objects.filter(touchpoint_id=touchpoint_id).values_list("pk", flat=True).first()


def lottery_wechat_code_url(*, lottery: Lottery) -> str | None:
    """What the lottery's current WeChat code encodes (render it with our own QR), if any."""
    from omniloop.core import clock
    from omniloop.wechat.models import WechatQrCode

    return (
        WechatQrCode.objects.filter(
            touchpoint_id=lottery.touchpoint_id, permanent=False, expires_at__gt=clock.now()
        )
        .order_by("-expires_at")
        .values_list("url", flat=True)
        .first()
    )


def lottery_entry_of(*, lottery_id: int, member_id: int) -> LotteryEntry | None:
    return LotteryEntry.objects.filter(lottery_id=lottery_id, member_id=member_id).first()


def lottery_entry_count(*, lottery_id: int) -> int:
    return LotteryEntry.objects.filter(lottery_id=lottery_id).count()


def lottery_winners(*, lottery: Lottery) -> list[tuple[int, str, str]]:
    """(entry id, member code, award problem) in rank order."""
    entries = {
        e.pk: e
        for e in LotteryEntry.objects.filter(pk__in=lottery.winner_ids).select_related("member")
    }
    return [
        (pk, entries[pk].member.code, entries[pk].award_problem)
        for pk in lottery.winner_ids
        if pk in entries
    ]


# --- Employees -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployeeRow:
    employee_id: int
    name: str
    role: str
    active: bool
    scene: str
    joins: int
    first_purchases: int
    sales: Decimal


PAID_STATUSES = ("paid", "ready", "shipped", "completed", "refunded")


def employee_report(*, store_id: int | None = None) -> list[EmployeeRow]:
    """Per employee code: members recruited, of whom bought at least once, and the recruited
    members' sales (paid orders, net of refunds)."""
    paid = Order.objects.filter(member_id=OuterRef("member_id"), status__in=PAID_STATUSES)
    bought = paid.values("member_id").annotate(n=Count("pk")).values("n")[:1]
    net = paid.values("member_id").annotate(s=Sum(F("total") - F("refunded_total"))).values("s")[:1]
    recruits = EmployeeRecruit.objects.annotate(
        orders=Coalesce(Subquery(bought), 0),
        net=Coalesce(
            Subquery(net, output_field=DecimalField(max_digits=14, decimal_places=2)),
            Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
    )
    per: dict[int, tuple[int, int, Decimal]] = {}
    for r in recruits.values("employee_id", "orders", "net"):
        joins, first, sales = per.get(r["employee_id"], (0, 0, Decimal("0.00")))
        per[r["employee_id"]] = (
            joins + 1,
            first + (1 if r["orders"] else 0),
            sales + Decimal(r["net"]),
        )
    codes = EmployeeCode.objects.select_related("employee", "touchpoint").order_by("employee_id")
    if store_id is not None:
        codes = codes.filter(employee__store_id=store_id)
    out = []
    for c in codes:
        joins, first, sales = per.get(c.employee_id, (0, 0, Decimal("0.00")))
        user: User = c.employee
        out.append(
            EmployeeRow(
                user.pk,
                user.display_name or user.get_username(),
                user.role,
                user.is_active,
                c.touchpoint.scene,
                joins,
                first,
                sales.quantize(Decimal("0.01")),
            )
        )
    return sorted(out, key=lambda r: (-r.joins, -r.sales, r.employee_id))


def member_recruiter(*, member: Member) -> EmployeeRecruit | None:
    return EmployeeRecruit.objects.select_related("employee").filter(member=member).first()
