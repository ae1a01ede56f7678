"""Binding rules (R4): first touch binds; a protection period stops takeovers; staff re-bind
with a reason. Every change is written to `BindingChange`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from omniloop.accounts.access import Actor
from omniloop.accounts.models import Role, User
from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.attribution.values import BindingDecision, BindingOutcome, SaleCredit
from omniloop.core import clock, rows
from omniloop.core.brand import brand_settings
from omniloop.core.errors import NotFound, PermissionDenied, ValidationFailed
from omniloop.core.models import BrandSettings
from omniloop.members.events import member_changed
from omniloop.members.models import Member


def _protection(at: datetime) -> datetime:
    return at + timedelta(days=brand_settings().protection_days)


def _log(
    member: Member,
    kind: str,
    *,
    to_store_id: int,
    to_assistant_id: int | None,
    source: str,
    at: datetime,
    from_binding: MemberBinding | None = None,
    touchpoint_id: int | None = None,
    actor: str = "",
    reason: str = "",
) -> None:
    BindingChange.objects.create(
        member=member,
        kind=kind,
        to_store_id=to_store_id,
        to_assistant_id=to_assistant_id,
        from_store_id=from_binding.store_id if from_binding else None,
        from_assistant_id=from_binding.assistant_id if from_binding else None,
        source=source,
        touchpoint_id=touchpoint_id,
        actor=actor[:64],
        reason=reason[:300],
        changed_at=at,
    )
    member_changed(member.pk)  # the wall's recruitment facts (members.events)


def binding_touch(
    *,
    member: Member,
    store_id: int,
    assistant_id: int | None,
    source: str,
    touchpoint_id: int | None = None,
    at: datetime | None = None,
) -> BindingOutcome:
    """Apply the brand's binding rules to a touch (a scan, a join, a till sale) by a member in
    `store_id`, possibly through `assistant_id`. Safe under concurrency: the binding row is
    created under a unique constraint or locked before it changes."""
    at = at or clock.now()
    # No savepoint: nothing here is caught and retried, so a failure is the caller's to roll back.
    with transaction.atomic(savepoint=False):
        # Every till sale by a member locks this row: one fixed statement (core.rows).
        binding = rows.fetch_one(MemberBinding, "t.member_id = %s", [member.pk], lock=True)
        if binding is None:
            try:
                with transaction.atomic():
                    MemberBinding.objects.create(
                        member=member,
                        store_id=store_id,
                        assistant_id=assistant_id,
                        bound_at=at,
                        protected_until=_protection(at),
                        touchpoint_id=touchpoint_id,
                        recruited_store_id=store_id,
                        recruited_assistant_id=assistant_id,
                    )
            except IntegrityError:
                # A concurrent touch bound the member first; apply the rules against it.
                binding = MemberBinding.objects.select_for_update().get(member=member)
            else:
                _log(
                    member,
                    BindingChange.Kind.INITIAL,
                    to_store_id=store_id,
                    to_assistant_id=assistant_id,
                    source=source,
                    at=at,
                    touchpoint_id=touchpoint_id,
                )
                return BindingOutcome(BindingDecision.BOUND, store_id, assistant_id)
        if binding.store_id == store_id and binding.assistant_id is None and assistant_id:
            previous = MemberBinding(store_id=binding.store_id, assistant_id=None)
            binding.assistant_id = assistant_id
            binding.save(update_fields=["assistant"])
            _log(
                member,
                BindingChange.Kind.ASSISTANT_ADDED,
                to_store_id=store_id,
                to_assistant_id=assistant_id,
                source=source,
                at=at,
                from_binding=previous,
                touchpoint_id=touchpoint_id,
            )
            return BindingOutcome(BindingDecision.ASSISTANT_ADDED, store_id, assistant_id)
        if binding.store_id == store_id and assistant_id in (None, binding.assistant_id):
            return BindingOutcome(BindingDecision.UNCHANGED, binding.store_id, binding.assistant_id)
        # Another store, or another assistant of the same store: the brand's rules decide.
        mode = brand_settings().binding_mode
        if mode == BrandSettings.BindingMode.FIRST_TOUCH:
            return BindingOutcome(
                BindingDecision.KEPT_FIRST_TOUCH, binding.store_id, binding.assistant_id
            )
        if at < binding.protected_until:
            return BindingOutcome(
                BindingDecision.KEPT_PROTECTED, binding.store_id, binding.assistant_id
            )
        previous = MemberBinding(store_id=binding.store_id, assistant_id=binding.assistant_id)
        _move(
            binding,
            store_id=store_id,
            assistant_id=assistant_id,
            at=at,
            touchpoint_id=touchpoint_id,
        )
        _log(
            member,
            BindingChange.Kind.TAKEOVER,
            to_store_id=store_id,
            to_assistant_id=assistant_id,
            source=source,
            at=at,
            from_binding=previous,
            touchpoint_id=touchpoint_id,
        )
        return BindingOutcome(BindingDecision.TAKEN_OVER, store_id, assistant_id)


def _move(
    binding: MemberBinding,
    *,
    store_id: int,
    assistant_id: int | None,
    at: datetime,
    touchpoint_id: int | None,
) -> None:
    binding.store_id = store_id
    binding.assistant_id = assistant_id
    binding.bound_at = at
    binding.protected_until = _protection(at)
    binding.touchpoint_id = touchpoint_id
    binding.save(update_fields=["store", "assistant", "bound_at", "protected_until", "touchpoint"])


def binding_rebind(
    *, actor: Actor, member: Member, store_id: int, assistant_id: int | None, reason: str
) -> BindingOutcome:
    """Staff override, protection period or not. HQ admins move anyone anywhere; a store manager
    moves members of their own store between their own assistants. Nobody else may."""
    if not reason.strip():
        raise ValidationFailed("Give a reason for the re-binding.", code="rebind_reason_required")
    if actor.role not in (Role.HQ_ADMIN, Role.STORE_MANAGER):
        raise PermissionDenied(
            "Only HQ admins and store managers re-bind members.", code="role_forbidden"
        )
    if assistant_id is not None:
        assistant = User.objects.filter(
            pk=assistant_id, role=Role.ASSISTANT, is_active=True
        ).first()
        if assistant is None or assistant.store_id != store_id:
            raise ValidationFailed(
                "The assistant is not on that store's staff.", code="assistant_not_in_store"
            )
    at = clock.now()
    with transaction.atomic():
        binding = MemberBinding.objects.select_for_update().filter(member=member).first()
        if actor.role == Role.STORE_MANAGER and (
            store_id != actor.store_id or binding is None or binding.store_id != actor.store_id
        ):
            raise NotFound("Member not found.", code="member_not_found")
        if binding is None:
            MemberBinding.objects.create(
                member=member,
                store_id=store_id,
                assistant_id=assistant_id,
                bound_at=at,
                protected_until=_protection(at),
                recruited_store_id=store_id,
                recruited_assistant_id=assistant_id,
            )
        else:
            previous = MemberBinding(store_id=binding.store_id, assistant_id=binding.assistant_id)
            _move(binding, store_id=store_id, assistant_id=assistant_id, at=at, touchpoint_id=None)
        _log(
            member,
            BindingChange.Kind.REBIND,
            to_store_id=store_id,
            to_assistant_id=assistant_id,
            source="staff",
            at=at,
            from_binding=previous if binding else None,
            actor=actor.label,
            reason=reason,
        )
    return BindingOutcome(BindingDecision.BOUND, store_id, assistant_id)


def _in_store_credit(
    member: Member | None, store_id: int, assistant_id: int | None, prefix: str
) -> SaleCredit:
    """A sale made in `store_id`: the named assistant, else the member's assistant if bound to
    that store, else the store alone (rules `<prefix>_serving_assistant`, `_bound_assistant`,
    `_store_only`)."""
    if assistant_id is not None:
        return SaleCredit(store_id, assistant_id, f"{prefix}_serving_assistant")
    if member is not None:
        binding = MemberBinding.objects.filter(member=member).first()
        if binding and binding.store_id == store_id and binding.assistant_id:
            return SaleCredit(store_id, binding.assistant_id, f"{prefix}_bound_assistant")
    return SaleCredit(store_id, None, f"{prefix}_store_only")


def credit_for_till_sale(
    *, member: Member | None, store_id: int, assistant_id: int | None
) -> SaleCredit:
    """A sale rung up at a till is credited to that store. The assistant is the one named on the
    sale; without one, the member's bound assistant if bound to this store."""
    return _in_store_credit(member, store_id, assistant_id, "till")


def credit_for_online_sale(*, member: Member | None) -> SaleCredit | None:
    """An online order by a bound member pays their store and assistant (R4)."""
    if member is None:
        return None
    binding = MemberBinding.objects.filter(member=member).first()
    if binding is None:
        return None
    return SaleCredit(binding.store_id, binding.assistant_id, "online_bound_member")


def merge_bindings(survivor: Member, merged: Member) -> int:
    """First touch wins across a merge too: the earlier of the two bindings is kept (with its
    recruiter and protection), whichever member it was on."""
    moved = BindingChange.objects.filter(member=merged).update(member=survivor)
    theirs = MemberBinding.objects.select_for_update().filter(member=merged).first()
    if theirs is None:
        return moved
    mine = MemberBinding.objects.select_for_update().filter(member=survivor).first()
    if mine is not None and mine.bound_at <= theirs.bound_at:
        theirs.delete()
        return moved
    if mine is not None:
        mine.delete()
    theirs.member = survivor
    theirs.save(update_fields=["member"])
    _log(
        survivor,
        BindingChange.Kind.MERGE,
        to_store_id=theirs.store_id,
        to_assistant_id=theirs.assistant_id,
        source="merge",
        at=clock.now(),
        from_binding=mine,
        reason="kept the earlier binding of the merged member",
    )
    return moved + 1


def credit_for_scan_to_buy(
    *, member: Member | None, store_id: int, assistant_id: int | None
) -> SaleCredit:
    """Scan-to-buy (扫码购): the shopper scanned a product tag in a store and bought online. The
    sale pays the tag's store and assistant; a tag naming no assistant pays the member's
    assistant if bound to that store (as at the till)."""
    credit = _in_store_credit(member, store_id, assistant_id, "scan_to_buy")
    if credit.rule == "scan_to_buy_serving_assistant":
        return SaleCredit(credit.store_id, credit.assistant_id, "scan_to_buy_tag")
    return credit
