"""Settlement and commission rules: defaults, validation, versions, and the version in force.

Rules are never edited in place: `settlement_rule_set` and `commission_rule_set` add a version
effective from now (or a later time). An order is settled by the versions in force when it was
paid, so an edit never reaches back into an order already settled or a past period."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from omniloop.accounts.access import Actor, require_roles, require_staff_user
from omniloop.accounts.models import Role as StaffRole
from omniloop.catalog.models import Category
from omniloop.core import clock
from omniloop.core.errors import Conflict, ValidationFailed
from omniloop.orders.models import Order
from omniloop.settlement.models import BP_TOTAL, CommissionRule, SettlementRule
from omniloop.settlement.values import Shares

Flow = Order.Flow

# The defaults (ADR 19): a store sale pays the till's store; online orders pay the member's
# bound store (seed 003: stores gain from online sales); pickup pays the bound store most and
# the pickup store for the hand-over; scan-to-buy and endless aisle pay the store the order came
# through; ship from store halves between the bound store and the shipping store. Imported
# history was settled in the system it came from.
DEFAULT_SHARES: dict[str, Shares] = {
    Flow.STORE_SALE: Shares(fulfilling=10_000),
    Flow.ONLINE: Shares(credited=10_000),
    Flow.PICKUP: Shares(credited=7_000, fulfilling=3_000),
    Flow.SCAN_TO_BUY: Shares(ordering=10_000),
    Flow.ENDLESS_AISLE: Shares(ordering=10_000),
    Flow.SHIP_FROM_STORE: Shares(credited=5_000, fulfilling=5_000),
    Flow.MARKETPLACE: Shares(credited=10_000),
    Flow.IMPORTED: Shares(fulfilling=10_000),
}
DEFAULT_DISABLED = frozenset({Flow.IMPORTED})


@dataclass(frozen=True)
class RuleVersion:
    pk: int | None
    flow: str
    effective_from: datetime | None
    enabled: bool
    shares: Shares


def validate_shares(shares: Shares) -> None:
    for name in ("credited", "ordering", "fulfilling"):
        value = getattr(shares, name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= BP_TOTAL:
            raise ValidationFailed(
                "A share is 0-10,000 basis points.",
                code="settlement_share_invalid",
                extra={"share": name},
            )
    total = shares.credited + shares.ordering + shares.fulfilling
    if total != BP_TOTAL:
        raise ValidationFailed(
            f"The shares sum to {total} basis points, not 10,000.",
            code="settlement_shares_sum",
            extra={"sum": total},
        )


def _version(row: SettlementRule) -> RuleVersion:
    return RuleVersion(
        pk=row.pk,
        flow=row.flow,
        effective_from=row.effective_from,
        enabled=row.enabled,
        shares=Shares(
            credited=row.credited_bp, ordering=row.ordering_bp, fulfilling=row.fulfilling_bp
        ),
    )


def _default(flow: str) -> RuleVersion:
    return RuleVersion(None, flow, None, flow not in DEFAULT_DISABLED, DEFAULT_SHARES[flow])


class RuleBook:
    """Every rule version, loaded once: settling a batch of orders asks it without queries."""

    def __init__(self) -> None:
        self.settlement: dict[str, list[RuleVersion]] = {}
        for row in SettlementRule.objects.order_by("flow", "-effective_from", "-pk"):
            self.settlement.setdefault(row.flow, []).append(_version(row))
        self.commission: dict[tuple[str, int | None], list[CommissionRule]] = {}
        for c in CommissionRule.objects.order_by("-effective_from", "-pk"):
            self.commission.setdefault((c.flow, c.category_id), []).append(c)
        self.parents: dict[int, int | None] = dict(Category.objects.values_list("pk", "parent_id"))

    def settlement_rule(self, flow: str, at: datetime) -> RuleVersion:
        for version in self.settlement.get(flow, ()):
            if version.effective_from is not None and version.effective_from <= at:
                return version
        return _default(flow)

    def _rate(self, key: tuple[str, int | None], at: datetime) -> int | None:
        for rule in self.commission.get(key, ()):
            if rule.effective_from <= at:
                return rule.rate_bp if rule.active else None
        return None

    def _chain(self, category_id: int | None) -> Iterable[int]:
        seen: set[int] = set()
        while category_id is not None and category_id not in seen:
            seen.add(category_id)
            yield category_id
            category_id = self.parents.get(category_id)

    def commission_rate(self, flow: str, category_id: int | None, at: datetime) -> int:
        """Basis points for a line: flow and category (nearest category up the tree first),
        then any flow with the category, then the flow's default, then the overall default."""
        if not self.commission:
            return 0
        chain = list(self._chain(category_id))
        keys = [(flow, c) for c in chain] + [("", c) for c in chain] + [(flow, None), ("", None)]
        for key in keys:
            rate = self._rate(key, at)
            if rate is not None:
                return rate
        return 0


def settlement_rules_current(*, at: datetime | None = None) -> list[RuleVersion]:
    """The version of every flow in force at `at` (now), defaults included."""
    book = RuleBook()
    at = at or clock.now()
    return [book.settlement_rule(flow, at) for flow in Flow.values]


def _effective(effective_from: datetime | None) -> datetime:
    now = clock.now()
    if effective_from is None:
        return now
    if effective_from < now:
        raise ValidationFailed(
            "A rule takes effect now or later, never in the past.",
            code="settlement_rule_effective_past",
        )
    return effective_from


@transaction.atomic
def settlement_rule_set(
    *,
    actor: Actor,
    flow: str,
    shares: Shares,
    enabled: bool = True,
    effective_from: datetime | None = None,
    note: str = "",
) -> SettlementRule:
    """Add a version of `flow`'s split, effective from now or a later time (HQ admins only).
    Shares are basis points summing to exactly 10,000."""
    require_roles(actor, StaffRole.HQ_ADMIN)
    user_id = require_staff_user(actor)
    if flow not in Flow.values:
        raise ValidationFailed("Unknown order flow.", code="settlement_flow_unknown")
    validate_shares(shares)
    at = _effective(effective_from)
    try:
        with transaction.atomic():
            return SettlementRule.objects.create(
                flow=flow,
                effective_from=at,
                enabled=enabled,
                credited_bp=shares.credited,
                ordering_bp=shares.ordering,
                fulfilling_bp=shares.fulfilling,
                note=note.strip()[:200],
                created_by_id=user_id,
                created_at=clock.now(),
            )
    except IntegrityError as exc:
        raise Conflict(
            "A version of this rule already starts at that time.", code="settlement_rule_exists"
        ) from exc


@transaction.atomic
def commission_rule_set(
    *,
    actor: Actor,
    flow: str,
    category_id: int | None,
    rate_bp: int,
    active: bool = True,
    effective_from: datetime | None = None,
) -> CommissionRule:
    """Add a version of a commission rate for (flow or any, category or any), effective from
    now or later (HQ admins only). `active=False` removes the key from then on."""
    require_roles(actor, StaffRole.HQ_ADMIN)
    user_id = require_staff_user(actor)
    if flow and flow not in Flow.values:
        raise ValidationFailed("Unknown order flow.", code="settlement_flow_unknown")
    if not isinstance(rate_bp, int) or not 0 <= rate_bp <= BP_TOTAL:
        raise ValidationFailed("A rate is 0-100%.", code="commission_rate_invalid")
    if category_id is not None and not Category.objects.filter(pk=category_id).exists():
        raise ValidationFailed("Unknown category.", code="commission_category_unknown")
    return CommissionRule.objects.create(
        flow=flow,
        category_id=category_id,
        rate_bp=rate_bp,
        active=active,
        effective_from=_effective(effective_from),
        created_by_id=user_id,
        created_at=clock.now(),
    )


def commission_rules_current(*, at: datetime | None = None) -> list[CommissionRule]:
    """The commission rates in force at `at` (now), one per (flow, category) key."""
    at = at or clock.now()
    current: dict[tuple[str, int | None], CommissionRule] = {}
    for rule in CommissionRule.objects.select_related("category").order_by(
        "-effective_from", "-pk"
    ):
        key = (rule.flow, rule.category_id)
        if key not in current and rule.effective_from <= at:
            current[key] = rule
    return sorted(
        (r for r in current.values() if r.active),
        key=lambda r: (r.flow, r.category.code if r.category else ""),
    )
