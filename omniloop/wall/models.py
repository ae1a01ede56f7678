"""The wall's daily aggregates (大屏日汇总, ADR 26) and the per-member and per-event facts that keep
them exact under replays, merges and late bindings.

Dimension ids are plain integers with 0 for "none" (no store, no touchpoint, no assistant), not
foreign keys: a cell key must be unique with ON CONFLICT upserts, and NULLs never conflict.
A `day` is the local calendar day of the store the fact is counted for (the brand's time zone
when there is none); a `month` is the first day of such a local month."""

from __future__ import annotations

from django.db import models


class SalesDay(models.Model):
    """Paid orders and their refunds per local day, store, channel, touchpoint, assistant and
    flow. A sale counts on the day it was paid, a refund on the day it was given back, both for
    the order's credited store (its fulfilling store when nothing is credited)."""

    day = models.DateField()
    store_id = models.BigIntegerField(default=0)
    channel_id = models.BigIntegerField()
    touchpoint_id = models.BigIntegerField(default=0)
    assistant_id = models.BigIntegerField(default=0)
    flow = models.CharField(max_length=16)
    orders = models.IntegerField(default=0)
    gross_fen = models.BigIntegerField(default=0)
    refunds = models.IntegerField(default=0, help_text="Returns and refunds given back")
    refund_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "store_id", "channel_id", "touchpoint_id", "assistant_id", "flow"],
                name="wall_sales_day_cell",
            )
        ]
        indexes = [models.Index(fields=["store_id", "day"])]


class ScanDay(models.Model):
    """Scans of touchpoints per local day (the touchpoint's store's day)."""

    day = models.DateField()
    store_id = models.BigIntegerField(default=0)
    touchpoint_id = models.BigIntegerField()
    assistant_id = models.BigIntegerField(default=0)
    scans = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "store_id", "touchpoint_id", "assistant_id"],
                name="wall_scan_day_cell",
            )
        ]
        indexes = [models.Index(fields=["store_id", "day"])]


class MemberDay(models.Model):
    """New members and first purchases by the member's recruitment: join channel (the member's
    `join_source`), recruiting store, assistant and touchpoint. A join counts on the local day
    the member joined, a first purchase on the local day of their first paid order."""

    day = models.DateField()
    store_id = models.BigIntegerField(default=0)
    join_channel = models.CharField(max_length=32)
    touchpoint_id = models.BigIntegerField(default=0)
    assistant_id = models.BigIntegerField(default=0)
    joins = models.IntegerField(default=0)
    first_purchases = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "store_id", "join_channel", "touchpoint_id", "assistant_id"],
                name="wall_member_day_cell",
            )
        ]
        indexes = [models.Index(fields=["store_id", "day"])]


class CohortMonth(models.Model):
    """Members of a cohort (join month x join channel x recruiting store) who paid for at least
    one order in `month`. The cohort's size is the joins of `MemberDay` over its month."""

    cohort = models.DateField()
    join_channel = models.CharField(max_length=32)
    store_id = models.BigIntegerField(default=0)
    month = models.DateField()
    active = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "join_channel", "store_id", "month"], name="wall_cohort_cell"
            )
        ]


class MemberFact(models.Model):
    """What one member adds to `MemberDay` and `CohortMonth`, so a change (a binding after the
    join, a merge, an earlier first order) takes the old contribution out and puts the new one
    in. Merged members have none."""

    member_id = models.BigIntegerField(primary_key=True)
    join_day = models.DateField()
    join_channel = models.CharField(max_length=32)
    store_id = models.BigIntegerField(default=0)
    touchpoint_id = models.BigIntegerField(default=0)
    assistant_id = models.BigIntegerField(default=0)
    first_day = models.DateField(null=True)
    months = models.JSONField(default=list, help_text="Local months with a paid order, ISO dates")


class CountedOrder(models.Model):
    """An order the sales cells already hold (a replayed `order_paid` adds nothing)."""

    order_id = models.BigIntegerField(primary_key=True)


class CountedRefund(models.Model):
    """A refund (by its return's reference) the sales cells already hold."""

    reference = models.CharField(max_length=64, primary_key=True)


class SiteArea(models.Model):
    """Where a delivery region is (its centre), as the brand supplies it (`omniloop
    site_areas_import`): orders carry a region's name, not coordinates, and the wall invents none.
    `region` is matched exactly against `OrderAddress.region`."""

    region = models.CharField(max_length=100, unique=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
