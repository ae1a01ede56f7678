"""The assistant's members: the list (masked phones, search) and one member's profile with the
features that matter at the counter (last visit, favourite category, points)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from omniloop.accounts.access import Actor
from omniloop.attribution.selectors import binding_for
from omniloop.insights.models import MemberFeatures
from omniloop.loyalty.selectors import points_balance
from omniloop.members.selectors import member_phone_masked
from omniloop.touchpoints.selectors import member_scans
from omniloop.workbench.scope import scope_members, workbench_member
from omniloop.workbench.values import MemberProfile, MemberRow

PAGE = 50


def workbench_member_list(
    *, actor: Actor, query: str = "", limit: int = PAGE, offset: int = 0
) -> tuple[list[MemberRow], bool]:
    """A page of the actor's members, and whether there are more. `query` matches a member code
    prefix, a name, or the last four digits of the phone (what the masked number shows anyway)."""
    query = query.strip()[:50]
    qs = scope_members(actor, query="")
    if query:
        match = Q(code__startswith=query) | Q(name__icontains=query)
        if query.isdigit() and len(query) == 4:
            match |= Q(phone_masked__endswith=query)
        qs = qs.filter(match)
    found = list(qs[offset : offset + limit + 1])
    rows = [
        MemberRow(
            member_id=m.pk,
            code=m.code,
            name=m.name,
            phone_masked=getattr(m, "phone_masked", "") or "",
            tier=m.tier,
            joined_at=m.joined_at,
            mine=bool(getattr(m, "binding", None) and m.binding.assistant_id == actor.user_id),
        )
        for m in found[:limit]
    ]
    return rows, len(found) > limit


def workbench_member_profile(*, actor: Actor, member_id: int) -> MemberProfile:
    member = workbench_member(actor=actor, member_id=member_id)
    binding = binding_for(member=member)
    features = MemberFeatures.objects.select_related("top_category").filter(member=member).first()
    last_scan = member_scans(member_id=member.pk, limit=1)
    last_scan_at = last_scan[0].scanned_at if last_scan else None
    last_order_at = features.last_order_at if features else None
    visits = [t for t in (last_scan_at, last_order_at) if t is not None]
    category = features.top_category if features else None
    return MemberProfile(
        member_id=member.pk,
        code=member.code,
        name=member.name,
        phone_masked=member_phone_masked(member=member),
        tier=member.tier,
        birth_date=member.birth_date,
        joined_at=member.joined_at,
        assistant_name=str(binding.assistant) if binding and binding.assistant else "",
        last_visit_at=max(visits) if visits else None,
        last_order_at=last_order_at,
        orders_total=(features.orders_total or 0) if features else 0,
        spend_365d=(features.spend_365d or Decimal("0.00")) if features else Decimal("0.00"),
        lifecycle=(features.lifecycle or "") if features else "",
        top_category=category.name if category else "",
        top_category_en=(category.name_en or category.name) if category else "",
        points=points_balance(member_id=member.pk),
    )
