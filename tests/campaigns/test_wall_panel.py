"""The wall's campaign summary: which campaigns it lists for a period, their counts against an
independent SQL query, the frozen lift once closed, and who sees it on the wall."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from freezegun import freeze_time

from omniloop.accounts.models import Role
from omniloop.campaigns.models import CampaignMember, CampaignResult
from omniloop.campaigns.report import campaigns_due
from omniloop.campaigns.wall_panel import campaign_wall_table
from omniloop.promotions.coupons import coupons_redeem
from omniloop.promotions.models import Coupon
from tests.campaigns.helpers import approved, everyone_segment, order
from tests.factories import make_store, make_user
from tests.messaging.conftest import member_with
from tests.promotions.coupon_helpers import single

pytestmark = pytest.mark.django_db
MARCH_2 = datetime.fromisoformat("2026-03-02T10:00:00+08:00")


def _expected(campaign_id: int) -> tuple[int, int, int, Decimal]:
    """(treated, holdout, redeemed, discount) straight from the tables."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT"
            " (SELECT COUNT(*) FROM campaigns_campaignmember WHERE campaign_id = %s"
            "  AND \"group\" = 'treated'),"
            " (SELECT COUNT(*) FROM campaigns_campaignmember WHERE campaign_id = %s"
            "  AND \"group\" <> 'treated'),"
            " (SELECT COUNT(*) FROM promotions_redemption r JOIN campaigns_campaignmember m"
            "  ON m.coupon_id = r.coupon_id WHERE m.campaign_id = %s AND r.reversed_at IS NULL),"
            " (SELECT COALESCE(SUM(r.discount), 0) FROM promotions_redemption r"
            "  JOIN campaigns_campaignmember m ON m.coupon_id = r.coupon_id"
            "  WHERE m.campaign_id = %s AND r.reversed_at IS NULL)",
            [campaign_id] * 4,
        )
        t, h, n, d = cur.fetchone()
    return int(t), int(h), int(n), Decimal(str(d)).quantize(Decimal("0.01"))


def _redeem_one(c) -> None:
    member = CampaignMember.objects.filter(campaign=c, group="treated").order_by("pk").first()
    coupon = Coupon.objects.get(pk=member.coupon_id)
    with transaction.atomic():
        o = order(member.member_id, "280.00")
        coupons_redeem(
            used=[(single(coupon.pk, coupon.code), 5000)],
            member_id=member.member_id,
            order_id=o.pk,
            at=o.ordered_at,
        )


def test_the_summary_lists_the_period_s_campaigns_with_their_counts_and_frozen_lift():
    with freeze_time(MARCH_2) as frozen:
        for _ in range(20):
            member_with(consents=("sms",))
        segment = everyone_segment()
        c = approved(segment, holdout_share=Decimal("0.3"))
        campaigns_due()
        frozen.tick(timedelta(days=1))
        _redeem_one(c)
        c.refresh_from_db()
        running = campaign_wall_table(start=date(2026, 3, 1), end=date(2026, 3, 31))
        (row,) = running.rows
        treated, holdout, redeemed, discount = _expected(c.pk)
        assert row[0] == c.name and row[2] == date(2026, 3, 2)
        assert row[3:8] == (treated, holdout, c.coupons_issued, redeemed, discount)
        assert (redeemed, discount) == (1, Decimal("50.00")) and treated + holdout == 20
        assert row[8:] == (None, None, None)  # running: no lift on the wall
        # Closed, the frozen result's incremental revenue and ROI appear.
        frozen.tick(timedelta(days=15))
        assert campaigns_due()["closed"] == 1
        (row,) = campaign_wall_table(start=date(2026, 3, 1), end=date(2026, 3, 31)).rows
        inc = CampaignResult.objects.get(campaign=c).figures["incremental_revenue"]
        assert row[8] == Decimal("280.00") and row[10] == f"{280 / 50:.2f}"
        assert row[9] == f"{Decimal(str(inc['low'])):.2f} … {Decimal(str(inc['high'])):.2f}"
        # A period before the launch or after the window lists nothing.
        assert campaign_wall_table(start=date(2026, 2, 1), end=date(2026, 3, 1)).rows == []
        assert campaign_wall_table(start=date(2026, 4, 1), end=date(2026, 4, 30)).rows == []
        # The window's last day (March 16 here) still counts the campaign.
        assert len(campaign_wall_table(start=date(2026, 3, 16), end=date(2026, 3, 20)).rows) == 1


def test_hq_sees_the_summary_on_the_wall_and_exports_it_store_staff_do_not(client):
    with freeze_time(MARCH_2):
        member_with(consents=("sms",))
        c = approved(everyone_segment())
        campaigns_due()
        hq = make_user(Role.MARKETER)
        client.force_login(hq)
        url = reverse("dashboard:wall") + "?from=2026-03-01&to=2026-03-02"
        page = client.get(url).content.decode()
        assert c.name in page and "营销活动汇总" in page  # zh-Hans by default
        assert 'data-testid="export-campaigns-csv"' in page
        csv = client.get(url + "&export=csv&table=campaigns")
        assert csv.status_code == 200 and c.name in csv.content.decode("utf-8-sig")
        manager = make_user(Role.STORE_MANAGER, store=make_store())
        client.force_login(manager)
        assert c.name not in client.get(url).content.decode()
        assert client.get(url + "&export=csv&table=campaigns").status_code == 404
