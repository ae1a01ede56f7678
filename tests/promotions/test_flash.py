"""Flash-sale services: claims, every refusal (and that it writes nothing), pause/resume/end,
payment and the release of expired holds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.members.models import Member
from omniloop.promotions.flash import (
    flash_claim_pay,
    flash_release_expired,
    flash_release_expired_task,
    flash_sale_claim,
    flash_sale_create,
    flash_sale_end,
    flash_sale_pause,
    flash_sale_resume,
)
from omniloop.promotions.models import FlashSale, FlashSaleClaim, FlashSaleTally
from tests.factories import make_member, make_product
from tests.promotions.coupon_helpers import make_order
from tests.promotions.flash_helpers import flash_state, held_units, make_flash_sale

pytestmark = pytest.mark.django_db


def _refused(code: str, status: int, **kw) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        flash_sale_claim(**kw)
    assert (info.value.code, info.value.status) == (code, status), info.value.message
    return info.value


def test_a_claim_holds_units_for_the_member_until_they_pay():
    sale = make_flash_sale(stock=10, per_member_limit=3, hold_minutes=20, price=Decimal("59.90"))
    member = make_member()
    at = clock.now()
    result = flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=2, at=at)
    assert (result.quantity, result.price) == (2, Decimal("59.90"))
    assert result.amount == Decimal("119.80")
    assert result.held_until == at + timedelta(minutes=20)
    assert result.member_total == 2
    claim = FlashSaleClaim.objects.get(pk=result.claim_id)
    assert (claim.state, claim.member_id, claim.quantity) == ("held", member.pk, 2)
    assert flash_state(sale) == {"stock_left": 8, "claims": 1, "tallies": [(member.pk, 2)]}
    again = flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=1)
    assert again.member_total == 3
    assert flash_state(sale)["tallies"] == [(member.pk, 3)]


@pytest.mark.parametrize("quantity", [0, -1, 1000, 2.0, "1", True, None])
def test_a_quantity_outside_1_to_999_is_quantity_invalid(quantity):
    sale = make_flash_sale()
    member = make_member()
    before = flash_state(sale)
    _refused("quantity_invalid", 422, flash_sale_id=sale.pk, member_id=member.pk, quantity=quantity)
    assert flash_state(sale) == before


def test_unknown_sale_and_unknown_or_erased_member_are_404_and_write_nothing():
    sale = make_flash_sale()
    _refused("flash_not_found", 404, flash_sale_id=sale.pk + 999, member_id=1, quantity=1)
    erased = make_member()
    Member.objects.filter(pk=erased.pk).update(status=Member.Status.ERASED)
    before = flash_state(sale)
    for member_id in (erased.pk, erased.pk + 999):
        _refused("member_not_found", 404, flash_sale_id=sale.pk, member_id=member_id, quantity=1)
    assert flash_state(sale) == before
    assert FlashSaleTally.objects.count() == 0


def test_before_the_window_after_it_and_drafts_are_refused():
    now = clock.now()
    sale = make_flash_sale(starts_at=now + timedelta(minutes=5), ends_at=now + timedelta(hours=1))
    member = make_member()
    error = _refused(
        "flash_not_started", 409, flash_sale_id=sale.pk, member_id=member.pk, quantity=1
    )
    assert error.extra["starts_at"] == sale.starts_at.isoformat()
    at_end = sale.ends_at
    _refused("flash_ended", 409, flash_sale_id=sale.pk, member_id=member.pk, quantity=1, at=at_end)
    draft = make_flash_sale(active=False)
    _refused("flash_not_started", 409, flash_sale_id=draft.pk, member_id=member.pk, quantity=1)
    assert FlashSaleClaim.objects.count() == 0
    assert FlashSaleTally.objects.count() == 0
    # At the first instant of the window the claim goes through.
    ok = flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=1, at=sale.starts_at)
    assert ok.quantity == 1


def test_pause_resume_and_end():
    sale = make_flash_sale()
    member = make_member()
    assert flash_sale_pause(flash_sale_id=sale.pk).status == "paused"
    assert flash_sale_pause(flash_sale_id=sale.pk).status == "paused"  # no-op
    before = flash_state(sale)
    _refused("flash_paused", 409, flash_sale_id=sale.pk, member_id=member.pk, quantity=1)
    assert flash_state(sale) == before
    assert flash_sale_resume(flash_sale_id=sale.pk).status == "active"
    assert flash_sale_resume(flash_sale_id=sale.pk).status == "active"  # no-op
    flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=1)
    assert flash_sale_end(flash_sale_id=sale.pk).status == "ended"
    _refused("flash_ended", 409, flash_sale_id=sale.pk, member_id=make_member().pk, quantity=1)
    for action in (flash_sale_pause, flash_sale_resume):
        with pytest.raises(ApplicationError) as info:
            action(flash_sale_id=sale.pk)
        assert info.value.code == "flash_ended"
    with pytest.raises(ApplicationError) as info:
        flash_sale_pause(flash_sale_id=sale.pk + 999)
    assert info.value.code == "flash_not_found"


def test_sold_out_is_refused_and_stock_never_goes_below_zero():
    sale = make_flash_sale(stock=3, per_member_limit=5)
    a, b = make_member(), make_member()
    flash_sale_claim(flash_sale_id=sale.pk, member_id=a.pk, quantity=2)
    before = flash_state(sale)
    error = _refused("flash_sold_out", 409, flash_sale_id=sale.pk, member_id=b.pk, quantity=2)
    assert error.extra == {"stock_left": 1}
    assert flash_state(sale) == before
    flash_sale_claim(flash_sale_id=sale.pk, member_id=b.pk, quantity=1)
    _refused("flash_sold_out", 409, flash_sale_id=sale.pk, member_id=b.pk, quantity=1)
    sale.refresh_from_db()
    assert sale.stock_left == 0
    assert held_units(sale) == sale.stock_total


def test_the_per_member_limit_counts_every_claim_of_the_member():
    sale = make_flash_sale(stock=50, per_member_limit=2)
    member = make_member()
    error = _refused(
        "flash_member_limit", 409, flash_sale_id=sale.pk, member_id=member.pk, quantity=3
    )
    assert error.extra == {"per_member_limit": 2}
    assert flash_state(sale)["claims"] == 0
    flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=1)
    flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=1)
    before = flash_state(sale)
    _refused("flash_member_limit", 409, flash_sale_id=sale.pk, member_id=member.pk, quantity=1)
    assert (
        flash_state(sale)
        == before
        == {
            "stock_left": 48,
            "claims": 2,
            "tallies": [(member.pk, 2)],
        }
    )


def test_a_conditional_update_refusal_rolls_back_the_tally_and_the_claim(monkeypatch):
    """The plain read said yes, the hot row said no (another claim took the last unit in
    between): the tally raised earlier in the transaction must be rolled back too."""
    from omniloop.promotions import flash

    sale = make_flash_sale(stock=1, per_member_limit=3)
    member = make_member()
    real = flash._refusal
    calls = {"n": 0}

    def stale_first_read(s, quantity, now):
        calls["n"] += 1
        if calls["n"] == 1:
            # Between this read and the UPDATE, someone else takes the last unit.
            FlashSale.objects.filter(pk=s.pk).update(stock_left=0)
            return None
        return real(s, quantity, now)

    monkeypatch.setattr(flash, "_refusal", stale_first_read)
    _refused("flash_sold_out", 409, flash_sale_id=sale.pk, member_id=member.pk, quantity=1)
    assert FlashSaleClaim.objects.count() == 0
    assert FlashSaleTally.objects.count() == 0


def test_create_checks_every_field_with_its_own_code():
    sku_id = make_product().skus.first().pk
    now = clock.now()
    good = {
        "name": "秒杀",
        "sku_id": sku_id,
        "price": Decimal("9.90"),
        "stock": 10,
        "starts_at": now,
        "ends_at": now + timedelta(hours=1),
    }
    cases = [
        ({"name": " "}, "flash_name_invalid"),
        ({"price": Decimal("-1")}, "price_invalid"),
        ({"price": Decimal("1.001")}, "price_invalid"),
        ({"stock": 0}, "stock_invalid"),
        ({"per_member_limit": 0}, "limit_invalid"),
        ({"hold_minutes": 0}, "hold_minutes_invalid"),
        ({"ends_at": now}, "window_invalid"),
        ({"starts_at": now.replace(tzinfo=None)}, "window_invalid"),
        ({"sku_id": sku_id + 999}, "sku_not_found"),
    ]
    for change, code in cases:
        with pytest.raises(ApplicationError) as info:
            flash_sale_create(**{**good, **change})
        assert info.value.code == code, change
    assert FlashSale.objects.count() == 0
    sale = flash_sale_create(**good)
    assert (sale.stock_total, sale.stock_left, sale.status) == (10, 10, "active")


def test_paying_a_held_claim_and_the_ways_paying_is_refused():
    sale = make_flash_sale(per_member_limit=3, hold_minutes=15)
    member = make_member()
    order, other_order = make_order(member.pk), make_order(member.pk)
    claim = flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=1)
    paid = flash_claim_pay(claim_id=claim.claim_id, order_id=order.pk)
    assert (paid.state, paid.order_id) == ("paid", order.pk)
    assert flash_claim_pay(claim_id=claim.claim_id, order_id=order.pk).state == "paid"  # retry
    cases = [(claim.claim_id, other_order.pk, None, "flash_claim_paid", 409)]
    late = flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=1)
    after_hold = late.held_until + timedelta(seconds=1)
    cases.append((late.claim_id, order.pk, after_hold, "flash_claim_expired", 409))
    cases.append((late.claim_id + 999, order.pk, None, "flash_claim_not_found", 404))
    for claim_id, order_id, at, code, status in cases:
        with pytest.raises(ApplicationError) as info:
            flash_claim_pay(claim_id=claim_id, order_id=order_id, at=at)
        assert (info.value.code, info.value.status) == (code, status)
    assert FlashSaleClaim.objects.get(pk=late.claim_id).state == "held"
    assert flash_release_expired(at=after_hold) == 1
    with pytest.raises(ApplicationError) as info:
        flash_claim_pay(claim_id=late.claim_id, order_id=order.pk)
    assert info.value.code == "flash_claim_released"


def test_expired_holds_give_back_stock_and_allowance_and_paid_claims_stay():
    sale = make_flash_sale(stock=5, per_member_limit=2, hold_minutes=10)
    a, b = make_member(), make_member()
    at = clock.now()
    paid = flash_sale_claim(flash_sale_id=sale.pk, member_id=a.pk, quantity=1, at=at)
    flash_claim_pay(claim_id=paid.claim_id, order_id=make_order(a.pk).pk, at=at)
    flash_sale_claim(flash_sale_id=sale.pk, member_id=a.pk, quantity=1, at=at)
    flash_sale_claim(flash_sale_id=sale.pk, member_id=b.pk, quantity=2, at=at)
    fresh = flash_sale_claim(
        flash_sale_id=sale.pk, member_id=make_member().pk, quantity=1, at=at + timedelta(minutes=5)
    )
    assert flash_state(sale)["stock_left"] == 0
    assert flash_release_expired(at=at + timedelta(minutes=9)) == 0
    assert flash_release_expired(at=at + timedelta(minutes=10)) == 2
    state = flash_state(sale)
    assert state["stock_left"] == 3
    assert dict(state["tallies"])[a.pk] == 1 and dict(state["tallies"])[b.pk] == 0
    assert FlashSaleClaim.objects.get(pk=fresh.claim_id).state == "held"
    assert held_units(sale) + state["stock_left"] == sale.stock_total
    assert flash_release_expired(at=at + timedelta(minutes=10)) == 0  # idempotent
    # b may claim again: the allowance came back with the stock.
    flash_sale_claim(
        flash_sale_id=sale.pk, member_id=b.pk, quantity=2, at=at + timedelta(minutes=11)
    )


def test_release_in_batches_and_from_the_task_and_the_command():
    sale = make_flash_sale(stock=20, per_member_limit=1, hold_minutes=1)
    at = clock.now() - timedelta(minutes=5)
    for _ in range(7):
        flash_sale_claim(flash_sale_id=sale.pk, member_id=make_member().pk, quantity=1, at=at)
    assert flash_release_expired(batch=3) == 7
    for _ in range(2):
        flash_sale_claim(flash_sale_id=sale.pk, member_id=make_member().pk, quantity=1, at=at)
    assert flash_release_expired_task.enqueue().return_value == 2
    flash_sale_claim(flash_sale_id=sale.pk, member_id=make_member().pk, quantity=1, at=at)
    call_command("flash_release_expired")
    assert flash_state(sale)["stock_left"] == 20
    assert not FlashSaleClaim.objects.filter(state="held").exists()
