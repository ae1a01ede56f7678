from __future__ import annotations

from decimal import Decimal

import pytest

from omniloop.accounts.models import Role
from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.attribution.services import binding_touch
from omniloop.core.errors import Conflict, ValidationFailed
from omniloop.loyalty.models import LedgerTransaction, TransactionKind
from omniloop.loyalty.selectors import points_balance
from omniloop.loyalty.services import points_earn
from omniloop.members.models import IdentityKind, Member, MemberIdentity, MemberMerge
from omniloop.members.selectors import member_by_code, member_identify
from omniloop.members.services import consent_record, identity_attach, member_merge
from omniloop.orders.services import till_sale_record
from omniloop.orders.values import SaleLineInput, TillSaleInput
from omniloop.touchpoints.models import ScanEvent, Touchpoint
from omniloop.touchpoints.services import (
    scan_record,
    scene_resolve,
    visitor_get_or_create,
    visitor_link,
)
from tests.factories import make_member, make_product, make_store, make_touchpoint, make_user

pytestmark = pytest.mark.django_db


def _sale(store, member, receipt):
    line = SaleLineInput(
        sku="JK1-M", quantity=1, unit_price=Decimal("100.00"), amount=Decimal("100.00")
    )
    till_sale_record(
        store=store,
        sale=TillSaleInput(
            receipt_no=receipt, lines=(line,), total=Decimal("100.00"), member_code=member.code
        ),
    )


def _scan(tp, member):
    visitor = visitor_get_or_create(key=None)
    visitor_link(visitor=visitor, member=member)
    scan_record(ctx=scene_resolve(scene=tp.scene), visitor=visitor)


def test_merge_moves_every_order_scan_identity_consent_point_and_binding():
    store = make_store()
    assistant = make_user(Role.ASSISTANT, store)
    make_product("JK1", price="100.00", sizes=("M",))
    tp = make_touchpoint(Touchpoint.Kind.ASSISTANT_CARD, store=store, assistant=assistant)
    survivor = make_member("13800000001")
    dup = make_member("13800000002")
    identity_attach(member=dup, kind=IdentityKind.STORE_CARD, value="CARD-778899")
    identity_attach(member=dup, kind=IdentityKind.WECHAT_OPENID, value="oABC", namespace="wx1")
    consent_record(member=dup, channel="sms", granted=True, source="test")
    binding_touch(member=dup, store_id=store.pk, assistant_id=assistant.pk, source="scan")
    points_earn(member=dup, points=100, reference="w:dup")
    points_earn(member=survivor, points=50, reference="w:surv")
    for i in range(3):
        _sale(store, dup, f"R-d{i}")
        _scan(tp, dup)
    _sale(store, survivor, "R-s")
    before_orders = {o.pk for o in dup.orders.all()} | {o.pk for o in survivor.orders.all()}
    before_scans = set(ScanEvent.objects.values_list("pk", flat=True))
    both = points_balance(member_id=dup.pk) + points_balance(member_id=survivor.pk)
    assert both > 150  # the sales earned points too

    outcome = member_merge(
        survivor_id=survivor.pk, merged_id=dup.pk, actor="user:1", reason="same person, two phones"
    )

    assert {o.pk for o in survivor.orders.all()} == before_orders
    assert (
        set(ScanEvent.objects.filter(member=survivor).values_list("pk", flat=True)) == before_scans
    )
    assert MemberIdentity.objects.filter(member=survivor).count() == 4
    assert not MemberIdentity.objects.filter(member=dup).exists()
    assert survivor.consents.filter(channel="sms", granted=True).exists()
    assert points_balance(member_id=survivor.pk) == both
    assert points_balance(member_id=dup.pk) == 0
    transfer = LedgerTransaction.objects.get(kind=TransactionKind.TRANSFER)
    assert transfer.reference == f"merge:{dup.pk}:{survivor.pk}"
    binding = MemberBinding.objects.get(member=survivor)
    assert (binding.store, binding.assistant) == (store, assistant)
    assert not MemberBinding.objects.filter(member=dup).exists()
    assert BindingChange.objects.filter(member=survivor, kind="merge").exists()
    dup.refresh_from_db()
    assert dup.status == Member.Status.MERGED and dup.merged_into == survivor
    record = MemberMerge.objects.get()
    assert (record.actor, record.reason) == ("user:1", "same person, two phones")
    assert outcome.moved["orders"] == 3 and outcome.moved["scans"] == 3
    # Every identity of the merged member now finds the survivor.
    assert member_identify(card_number="CARD-778899") == survivor
    assert member_identify(phone="13800000002") == survivor
    assert member_by_code(code=dup.code) == survivor


def test_merge_refuses_self_merge_missing_reason_and_merged_members():
    a, b, c = make_member(), make_member(), make_member()
    with pytest.raises(ValidationFailed):
        member_merge(survivor_id=a.pk, merged_id=a.pk, actor="t", reason="x")
    with pytest.raises(ValidationFailed):
        member_merge(survivor_id=a.pk, merged_id=b.pk, actor="t", reason="")
    member_merge(survivor_id=a.pk, merged_id=b.pk, actor="t", reason="dup")
    with pytest.raises(Conflict):
        member_merge(survivor_id=c.pk, merged_id=b.pk, actor="t", reason="again")
    assert MemberMerge.objects.count() == 1
