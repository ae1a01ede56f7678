"""Member bindings and their history, following the brand's rules (first touch binds, 90 days
of protection, takeovers only afterwards, staff re-binds with a reason)."""

from __future__ import annotations

from datetime import datetime, timedelta

from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.demo.context import Demo, DemoMember
from omniloop.touchpoints.models import Touchpoint

PROTECTION = timedelta(days=90)
INITIAL_SOURCE = {"scan": "join", "till": "till_sale", "import": "import"}
REBIND_REASONS = (
    "导购离职，会员交接 / Assistant left; members handed over",
    "会员要求更换专属导购 / The member asked for another assistant",
    "门店调整导购负责区域 / Store reorganised its assistants' clienteles",
)


def build_bindings(demo: Demo) -> None:
    bindings: list[MemberBinding] = []
    changes: list[BindingChange] = []
    for plan in demo.members:
        if not plan.segments:
            continue
        start, store_id, assistant_id = plan.segments[0]
        join_tp = plan.touches[0][1] if plan.touches else None
        changes.append(
            BindingChange(
                member_id=plan.member.pk,
                kind=BindingChange.Kind.INITIAL,
                to_store_id=store_id,
                to_assistant_id=assistant_id,
                source=INITIAL_SOURCE[plan.join_source],
                touchpoint_id=join_tp.pk if join_tp else None,
                changed_at=start,
            )
        )
        binding = MemberBinding(
            member_id=plan.member.pk,
            store_id=store_id,
            assistant_id=assistant_id,
            bound_at=start,
            protected_until=start + PROTECTION,
            touchpoint_id=join_tp.pk if join_tp else None,
            recruited_store_id=store_id,
            recruited_assistant_id=assistant_id,
        )
        change = _later_change(demo, plan, binding)
        if change is not None:
            changes.append(change)
        bindings.append(binding)
    MemberBinding.objects.bulk_create(bindings, batch_size=2000)
    BindingChange.objects.bulk_create(changes, batch_size=2000)


def _later_change(demo: Demo, plan: DemoMember, binding: MemberBinding) -> BindingChange | None:
    """A few members move on: an assistant added to a counter join, a takeover by another store
    after the protection period, or a staff re-bind. Updates `binding` and the plan's segments."""
    rng = demo.rng
    roll = rng.random()
    if binding.assistant_id is None and roll < 0.35:
        at = _between(demo, binding.bound_at + timedelta(days=1), days=120)
        if at is None:
            return None
        card = demo.cards[rng.choice(demo.assistants[binding.store_id]).pk]
        return _apply(plan, binding, BindingChange.Kind.ASSISTANT_ADDED, card, at, "scan")
    if roll < 0.04:
        at = _between(demo, binding.protected_until + timedelta(days=1), days=150)
        store = next(
            (
                s
                for s in demo.open_stores(on=at.date() if at else None)
                if s.city == plan.home_city and s.pk != binding.store_id
            ),
            None,
        )
        if at is None or store is None:
            return None
        card = demo.cards[rng.choice(demo.assistants[store.pk]).pk]
        return _apply(plan, binding, BindingChange.Kind.TAKEOVER, card, at, "scan")
    if roll < 0.06 and binding.assistant_id is not None:
        at = _between(demo, binding.bound_at + timedelta(days=14), days=300)
        others = [a for a in demo.assistants[binding.store_id] if a.pk != binding.assistant_id]
        if at is None or not others:
            return None
        change = _apply(
            plan,
            binding,
            BindingChange.Kind.REBIND,
            None,
            at,
            "staff",
            assistant_id=rng.choice(others).pk,
        )
        change.actor = f"user:{demo.managers[binding.store_id].pk}"
        change.reason = rng.choice(REBIND_REASONS)
        return change
    return None


def _between(demo: Demo, earliest: datetime, *, days: int) -> datetime | None:
    latest = min(earliest + timedelta(days=days), demo.now - timedelta(hours=2))
    if latest <= earliest:
        return None
    return earliest + (latest - earliest) * demo.rng.random()


def _apply(
    plan: DemoMember,
    binding: MemberBinding,
    kind: str,
    card: Touchpoint | None,
    at: datetime,
    source: str,
    assistant_id: int | None = None,
) -> BindingChange:
    to_store: int = card.store_id if card and card.store_id else binding.store_id
    to_assistant = card.assistant_id if card else assistant_id
    change = BindingChange(
        member_id=plan.member.pk,
        kind=kind,
        from_store_id=binding.store_id,
        from_assistant_id=binding.assistant_id,
        to_store_id=to_store,
        to_assistant_id=to_assistant,
        source=source,
        touchpoint_id=card.pk if card else None,
        changed_at=at,
    )
    binding.store_id, binding.assistant_id = to_store, to_assistant
    if kind != BindingChange.Kind.ASSISTANT_ADDED:
        # A move restarts the binding and its protection; adding an assistant does not.
        binding.bound_at, binding.protected_until = at, at + PROTECTION
        binding.touchpoint_id = card.pk if card else None  # type: ignore[assignment]
    plan.segments.append((at, to_store, to_assistant))
    if card is not None:
        plan.touches.append((at - timedelta(minutes=1), card))
    return change
