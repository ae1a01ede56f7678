"""An assistant's monthly coupon cap under real concurrency on PostgreSQL: 20 shares released
at once over separate connections, cap 5, give exactly 5 coupons; the same form submitted 10
times at once is one share. A naive read-then-write variant in the same harness overshoots,
which shows the harness can catch the bug the conditional UPDATE avoids."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import F

from omniloop.core import clock
from omniloop.messaging.models import Message
from omniloop.promotions.models import Coupon
from omniloop.settlement.periods import period_of
from omniloop.workbench.models import Share, ShareTally
from omniloop.workbench.sharing import share_coupon, shareable_coupon_set
from tests.concurrency.helpers import outcomes, run_at_once
from tests.promotions.coupon_helpers import make_template
from tests.workbench.world import make_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _setup(cap: int):
    w = make_world()
    template = make_template(per_member_limit=100)
    shareable_coupon_set(actor=w.actor(w.hq), template_id=template.pk, monthly_cap=cap, active=True)
    return w, template


def test_twenty_parallel_shares_stop_exactly_at_the_cap():
    w, template = _setup(cap=5)
    actor = w.actor(w.a1)

    results = run_at_once(
        20,
        lambda i: share_coupon(
            actor=actor,
            member_id=w.m1.pk,
            template_id=template.pk,
            form_token=f"race-token-{i:04d}-abcdef",
        ),
    )

    assert outcomes(results) == {"ok": 5, "workbench_share_cap_reached": 15}
    assert Coupon.objects.filter(template=template).count() == 5
    assert Share.objects.count() == 5
    assert Message.objects.filter(template="workbench_coupon").count() == 5
    assert ShareTally.objects.get(assistant=w.a1).used == 5


def test_the_same_form_submitted_ten_times_at_once_is_one_share():
    w, template = _setup(cap=5)
    actor = w.actor(w.a1)

    results = run_at_once(
        10,
        lambda _: share_coupon(
            actor=actor,
            member_id=w.m1.pk,
            template_id=template.pk,
            form_token="same-form-token-0001",
        ),
    )

    assert outcomes(results, ok=lambda r: "new" if r.created else "replay") == {
        "new": 1,
        "replay": 9,
    }
    assert Coupon.objects.count() == 1 and Share.objects.count() == 1
    assert ShareTally.objects.get().used == 1


def test_a_read_then_write_cap_overshoots_in_the_same_harness():
    w, template = _setup(cap=5)
    month = period_of(clock.now())
    ShareTally.objects.create(assistant=w.a1, template=template, month=month)

    def naive(_: int) -> str:
        with transaction.atomic():
            tally = ShareTally.objects.get(assistant=w.a1, template=template, month=month)
            if tally.used >= 5:
                return "capped"
            import time

            time.sleep(0.05)
            ShareTally.objects.filter(pk=tally.pk).update(used=F("used") + 1)
        return "ok"

    results = run_at_once(20, naive)
    assert outcomes(results)["ok"] > 5
