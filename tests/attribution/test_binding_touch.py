from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from omniloop.accounts.access import actor_for_user
from omniloop.accounts.models import Role
from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.attribution.services import binding_rebind, binding_touch
from omniloop.attribution.values import BindingDecision
from omniloop.core.brand import brand_settings
from omniloop.core.errors import NotFound, PermissionDenied, ValidationFailed
from omniloop.core.models import BrandSettings
from tests.factories import make_member, make_store, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stores():
    a, b = make_store("sta"), make_store("stb")
    return a, b, make_user(Role.ASSISTANT, a), make_user(Role.ASSISTANT, b)


def _touch(member, store, assistant, **kw):
    return binding_touch(
        member=member,
        store_id=store.pk,
        assistant_id=assistant.pk if assistant else None,
        source="scan",
        **kw,
    )


def test_first_touch_binds_and_records_recruiter(two_stores):
    a, _, asst_a, _ = two_stores
    member = make_member()
    outcome = _touch(member, a, asst_a)
    assert outcome.decision == BindingDecision.BOUND
    binding = MemberBinding.objects.get(member=member)
    assert (binding.store, binding.assistant) == (a, asst_a)
    assert (binding.recruited_store, binding.recruited_assistant) == (a, asst_a)
    assert binding.protected_until - binding.bound_at == timedelta(days=90)
    change = BindingChange.objects.get(member=member)
    assert change.kind == "initial" and change.to_store == a and change.from_store is None


def test_protection_period_blocks_a_takeover(two_stores):
    a, b, asst_a, asst_b = two_stores
    member = make_member()
    with freeze_time("2026-01-01 10:00:00"):
        _touch(member, a, asst_a)
    with freeze_time("2026-03-31 09:59:59"):  # one second before 90 days are over
        outcome = _touch(member, b, asst_b)
    assert outcome.decision == BindingDecision.KEPT_PROTECTED
    assert (outcome.store_id, outcome.assistant_id) == (a.pk, asst_a.pk)
    binding = MemberBinding.objects.get(member=member)
    assert (binding.store, binding.assistant) == (a, asst_a)
    assert BindingChange.objects.filter(member=member).count() == 1


def test_another_assistant_of_the_same_store_is_also_blocked(two_stores):
    a, _, asst_a, _ = two_stores
    colleague = make_user(Role.ASSISTANT, a)
    member = make_member()
    _touch(member, a, asst_a)
    assert _touch(member, a, colleague).decision == BindingDecision.KEPT_PROTECTED
    assert MemberBinding.objects.get(member=member).assistant == asst_a


def test_after_protection_another_store_takes_over(two_stores):
    a, b, asst_a, asst_b = two_stores
    member = make_member()
    with freeze_time("2026-01-01 10:00:00"):
        _touch(member, a, asst_a)
    with freeze_time("2026-04-01 10:00:00"):
        outcome = _touch(member, b, asst_b)
    assert outcome.decision == BindingDecision.TAKEN_OVER
    binding = MemberBinding.objects.get(member=member)
    assert (binding.store, binding.assistant) == (b, asst_b)
    assert (binding.recruited_store, binding.recruited_assistant) == (a, asst_a)
    change = BindingChange.objects.filter(member=member).first()
    assert change.kind == "takeover" and change.from_store == a and change.to_store == b


def test_first_touch_mode_never_hands_over(two_stores):
    a, b, asst_a, asst_b = two_stores
    settings = brand_settings()
    settings.binding_mode = BrandSettings.BindingMode.FIRST_TOUCH
    settings.save()
    member = make_member()
    with freeze_time("2026-01-01"):
        _touch(member, a, asst_a)
    with freeze_time("2027-01-01"):
        assert _touch(member, b, asst_b).decision == BindingDecision.KEPT_FIRST_TOUCH
    assert MemberBinding.objects.get(member=member).store == a


def test_an_assistant_is_added_to_a_store_only_binding(two_stores):
    a, _, asst_a, _ = two_stores
    member = make_member()
    _touch(member, a, None)
    assert _touch(member, a, asst_a).decision == BindingDecision.ASSISTANT_ADDED
    assert _touch(member, a, asst_a).decision == BindingDecision.UNCHANGED
    assert _touch(member, a, None).decision == BindingDecision.UNCHANGED
    assert list(BindingChange.objects.filter(member=member).values_list("kind", flat=True)) == [
        "assistant_added",
        "initial",
    ]


def test_manager_rebinds_inside_own_store_during_protection(two_stores):
    a, _, asst_a, _ = two_stores
    colleague = make_user(Role.ASSISTANT, a)
    manager = make_user(Role.STORE_MANAGER, a)
    member = make_member()
    _touch(member, a, asst_a)
    binding_rebind(
        actor=actor_for_user(manager),
        member=member,
        store_id=a.pk,
        assistant_id=colleague.pk,
        reason="asst left the store",
    )
    binding = MemberBinding.objects.get(member=member)
    assert binding.assistant == colleague
    change = BindingChange.objects.filter(member=member).first()
    assert change.kind == "rebind" and change.reason == "asst left the store"
    assert change.actor == f"user:{manager.pk}" and change.from_assistant == asst_a


def test_manager_cannot_pull_a_member_from_another_store(two_stores):
    a, b, asst_a, asst_b = two_stores
    manager_b = make_user(Role.STORE_MANAGER, b)
    member = make_member()
    _touch(member, a, asst_a)
    with pytest.raises(NotFound):
        binding_rebind(
            actor=actor_for_user(manager_b),
            member=member,
            store_id=b.pk,
            assistant_id=asst_b.pk,
            reason="mine now",
        )
    assert MemberBinding.objects.get(member=member).store == a


def test_hq_rebinds_anywhere_but_needs_a_reason_and_a_matching_assistant(two_stores):
    a, b, asst_a, asst_b = two_stores
    hq = actor_for_user(make_user(Role.HQ_ADMIN))
    member = make_member()
    _touch(member, a, asst_a)
    with pytest.raises(ValidationFailed):
        binding_rebind(actor=hq, member=member, store_id=b.pk, assistant_id=asst_b.pk, reason=" ")
    with pytest.raises(ValidationFailed):
        binding_rebind(
            actor=hq, member=member, store_id=b.pk, assistant_id=asst_a.pk, reason="moved"
        )
    binding_rebind(actor=hq, member=member, store_id=b.pk, assistant_id=asst_b.pk, reason="moved")
    assert MemberBinding.objects.get(member=member).store == b


@pytest.mark.parametrize("role", [Role.ASSISTANT, Role.MARKETER, Role.CS_AGENT])
def test_other_roles_cannot_rebind(two_stores, role):
    a, _, asst_a, _ = two_stores
    member = make_member()
    _touch(member, a, asst_a)
    user = make_user(role, a if role == Role.ASSISTANT else None)
    with pytest.raises(PermissionDenied):
        binding_rebind(
            actor=actor_for_user(user), member=member, store_id=a.pk, assistant_id=None, reason="x"
        )
