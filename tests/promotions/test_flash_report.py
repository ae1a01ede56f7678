"""The flash-sale report: claims counted by state, overdue holds, top claimers with masked
phones."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core import clock
from omniloop.core.errors import NotFound
from omniloop.promotions.flash import flash_claim_pay, flash_release_expired, flash_sale_claim
from omniloop.promotions.flash_report import ClaimCount, flash_sale_report
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_order
from tests.promotions.flash_helpers import make_flash_sale

pytestmark = pytest.mark.django_db


def test_claims_by_state_and_the_top_claimers():
    sale = make_flash_sale(stock=20, per_member_limit=3, hold_minutes=10)
    big, small, gone = make_member("13800001111"), make_member("13900002222"), make_member()
    start = clock.now() - timedelta(minutes=30)
    old = flash_sale_claim(flash_sale_id=sale.pk, member_id=gone.pk, quantity=2, at=start)
    flash_release_expired(at=start + timedelta(minutes=11))
    paid = flash_sale_claim(flash_sale_id=sale.pk, member_id=big.pk, quantity=2)
    flash_claim_pay(claim_id=paid.claim_id, order_id=make_order(big.pk).pk)
    flash_sale_claim(flash_sale_id=sale.pk, member_id=big.pk, quantity=1)
    flash_sale_claim(flash_sale_id=sale.pk, member_id=small.pk, quantity=1)

    report = flash_sale_report(flash_sale_id=sale.pk, at=clock.now() + timedelta(minutes=11))

    assert report.sale.stock_left == 16
    assert report.held == ClaimCount(claims=2, units=2)
    assert report.overdue == ClaimCount(claims=2, units=2)  # both holds past their 10 minutes
    assert report.paid == ClaimCount(claims=1, units=2)
    assert report.released == ClaimCount(claims=1, units=2)
    assert report.claimers == 2
    assert [(c.member_id, c.phone_masked, c.held, c.paid, c.claims) for c in report.top] == [
        (big.pk, "138****1111", 1, 2, 2),
        (small.pk, "139****2222", 1, 0, 1),
    ]
    assert old.member_id not in {c.member_id for c in report.top}


def test_an_empty_sale_and_an_unknown_one():
    report = flash_sale_report(flash_sale_id=make_flash_sale().pk)
    assert (report.held, report.paid, report.claimers, report.top) == (
        ClaimCount(0, 0),
        ClaimCount(0, 0),
        0,
        (),
    )
    with pytest.raises(NotFound):
        flash_sale_report(flash_sale_id=987654)
