"""Reading one flash sale for staff: stock, claims by state and the members who claimed most
(phones masked: the report is for HQ and never shows a full number)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, Sum

from omniloop.core import clock
from omniloop.members.selectors import member_phones_masked
from omniloop.promotions.flash_values import flash_not_found
from omniloop.promotions.models import FlashSale, FlashSaleClaim

TOP_CLAIMERS = 10


@dataclass(frozen=True)
class ClaimCount:
    claims: int
    units: int


@dataclass(frozen=True)
class TopClaimer:
    member_id: int
    phone_masked: str
    held: int  # units
    paid: int
    claims: int  # held or paid


@dataclass(frozen=True)
class FlashSaleReport:
    sale: FlashSale
    held: ClaimCount
    overdue: ClaimCount  # held past their time to pay: released by the next sweep
    paid: ClaimCount
    released: ClaimCount
    claimers: int  # members holding or having bought units
    top: tuple[TopClaimer, ...]


def _count(rows: dict[str, dict[str, int]], state: str) -> ClaimCount:
    row = rows.get(state, {})
    return ClaimCount(claims=row.get("claims", 0), units=row.get("units", 0) or 0)


def flash_sale_report(*, flash_sale_id: int, at: datetime | None = None) -> FlashSaleReport:
    """The sale with its claims counted by state (one grouped query), and the members with the
    most units held or paid, most first."""
    now = at or clock.now()
    sale = FlashSale.objects.select_related("sku__product").filter(pk=flash_sale_id).first()
    if sale is None:
        raise flash_not_found()
    claims = FlashSaleClaim.objects.filter(flash_sale=sale)
    rows = {
        r["state"]: r
        for r in claims.values("state").annotate(claims=Count("pk"), units=Sum("quantity"))
    }
    overdue = claims.filter(state=FlashSaleClaim.State.HELD, held_until__lte=now).aggregate(
        claims=Count("pk"), units=Sum("quantity")
    )
    live = Q(state__in=[FlashSaleClaim.State.HELD, FlashSaleClaim.State.PAID])
    held_q, paid_q = Q(state=FlashSaleClaim.State.HELD), Q(state=FlashSaleClaim.State.PAID)
    per_member = (
        claims.filter(live)
        .values("member_id")
        .annotate(
            units=Sum("quantity"),
            held=Sum("quantity", filter=held_q),
            paid=Sum("quantity", filter=paid_q),
            claims=Count("pk"),
        )
        .order_by("-units", "member_id")
    )
    top = list(per_member[:TOP_CLAIMERS])
    phones = member_phones_masked(member_ids=[r["member_id"] for r in top])
    return FlashSaleReport(
        sale=sale,
        held=_count(rows, FlashSaleClaim.State.HELD),
        overdue=ClaimCount(claims=overdue["claims"], units=overdue["units"] or 0),
        paid=_count(rows, FlashSaleClaim.State.PAID),
        released=_count(rows, FlashSaleClaim.State.RELEASED),
        claimers=claims.filter(live).values("member_id").distinct().count(),
        top=tuple(
            TopClaimer(
                member_id=r["member_id"],
                phone_masked=phones.get(r["member_id"], ""),
                held=r["held"] or 0,
                paid=r["paid"] or 0,
                claims=r["claims"],
            )
            for r in top
        ),
    )
