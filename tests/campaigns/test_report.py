"""The closed-loop report: funnel from the campaign's own messages (sent by the worker through
the test SMS backend, a delivery receipt, an open and a click), coupons redeemed on an order
credited to a store and an assistant, discount cost, provisional figures before the window
closes and a frozen snapshot after it that later orders do not move."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from freezegun import freeze_time

from omniloop.accounts.models import Role
from omniloop.campaigns.models import Campaign, CampaignMember, CampaignResult
from omniloop.campaigns.report import campaign_close, campaign_report, campaigns_due
from omniloop.messaging.delivery import deliver_due
from omniloop.messaging.models import Message
from omniloop.messaging.services import delivery_receipt_record, message_tracked
from omniloop.promotions.coupons import coupons_redeem
from omniloop.promotions.models import Coupon
from tests.campaigns.helpers import approved, everyone_segment, order
from tests.factories import make_store, make_user
from tests.messaging.conftest import member_with
from tests.promotions.coupon_helpers import single

pytestmark = pytest.mark.django_db
NOON = datetime.fromisoformat("2026-03-02T10:00:00+08:00")


def test_the_loop_from_send_to_redemption_and_the_frozen_result():
    with freeze_time(NOON) as frozen:
        members = [member_with(consents=("sms",)) for _ in range(30)]
        c = approved(everyone_segment(), holdout_share=Decimal("0.3"))
        assert campaigns_due()["launched"] == 1  # approved, no send time: launched and sent
        c.refresh_from_db()
        assert c.status == Campaign.Status.RUNNING
        treated = list(
            CampaignMember.objects.filter(campaign=c, group="treated").order_by("member_id")
        )
        deliver_due(max_seconds=10)
        msgs = list(Message.objects.filter(cause=f"campaign:{c.pk}").order_by("member_id"))
        assert len(msgs) == len(treated) and {m.status for m in msgs} == {"sent"}
        delivery_receipt_record(reference=str(msgs[0].uid), delivered=True, at=NOON)
        message_tracked(message_uid=str(msgs[0].uid), kind="opened")
        message_tracked(message_uid=str(msgs[0].uid), kind="clicked")
        message_tracked(message_uid=str(msgs[0].uid), kind="clicked")

        store = make_store()
        assistant = make_user(Role.ASSISTANT, store=store)
        frozen.tick(timedelta(days=1))
        assert treated[0].coupon_id is not None
        coupon = Coupon.objects.get(pk=treated[0].coupon_id)
        with transaction.atomic():
            o = order(treated[0].member_id, "280.00")
            o.credited_store, o.credited_assistant = store, assistant
            o.save()
            coupons_redeem(
                used=[(single(coupon.pk, coupon.code), 5000)],
                member_id=treated[0].member_id,
                order_id=o.pk,
                at=o.ordered_at,
            )
        frozen.tick(timedelta(minutes=1))
        live = campaign_report(c)
        assert live["frozen"] is False and live["final"] is False
        sms = live["funnel"]["sms"]
        assert sms == {
            "queued": len(treated),
            "sent": len(treated),
            "delivered": 1,
            "opened": 1,
            "clicked": 1,
        }
        assert live["claimed"] == len(treated) and live["redeemed"] == 1
        assert live["discount_cost"] == "50.00"
        assert live["by_store"] == [{"store": store.code, "redeemed": 1, "discount": "50.00"}]
        assert live["by_assistant"] == [{"assistant": assistant.username, "redeemed": 1}]
        n_holdout = 30 - len(treated)
        assert live["revenue"]["treated_mean"] == pytest.approx(280 / len(treated), abs=1e-3)
        assert live["revenue"]["holdout_mean"] == 0
        assert live["incremental_revenue"]["value"] == pytest.approx(280.0, abs=0.01)
        assert live["roi"] == pytest.approx(280 / 50, abs=1e-3)
        assert live["groups"] == {"treated": len(treated), "holdout": n_holdout}

        assert campaign_close(campaign=c) is None  # the window is still open
        frozen.tick(timedelta(days=14))
        assert campaigns_due()["closed"] == 1
        result = CampaignResult.objects.get(campaign=c)
        # A later order (and one of a held-out member) changes nothing in the frozen report.
        holdout = CampaignMember.objects.filter(campaign=c, group="holdout").first()
        assert holdout is not None and c.launched_at is not None
        order(holdout.member_id, "999.00", at=c.launched_at + timedelta(days=2))
        report = campaign_report(c)
        assert report["frozen"] is True and report["final"] is True
        assert report["revenue"] == result.figures["revenue"]
        assert report["revenue"]["holdout_mean"] == 0
        again = campaign_close(campaign=c)
        assert again is not None and again.pk == result.pk
        assert len(members) == 30
