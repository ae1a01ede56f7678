"""Member features (会员特征) and segments (人群分组).

`MemberFeatures` holds one row per active member, as of its `computed_at`: rebuilt in bulk by one
set-based statement (`feature_sql`) and recomputed for one member when an order is recorded.
Order features are NULL for a member without counted orders before `computed_at`, so such a
member never matches a comparison on them. `p_alive` and `clv_365d` belong to the CLV scorer:
a rebuild keeps them."""

from __future__ import annotations

from django.db import models


class MemberFeatures(models.Model):
    # Derived rows: no database foreign keys (ADR 48). The rebuild reloads every row in bulk and
    # deletes rows of members no longer active; Django's on_delete still cascades ORM deletes.
    member = models.OneToOneField(
        "members.Member",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="features",
        db_constraint=False,
    )
    computed_at = models.DateTimeField(help_text="The as_of the row's window features cover")
    first_order_at = models.DateTimeField(null=True)
    last_order_at = models.DateTimeField(null=True)
    orders_total = models.IntegerField(null=True)
    spend_total = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    orders_30d = models.IntegerField(null=True)
    orders_90d = models.IntegerField(null=True)
    orders_365d = models.IntegerField(null=True)
    spend_30d = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    spend_90d = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    spend_365d = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    avg_order_value_365d = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    rfm_r = models.SmallIntegerField(null=True)
    rfm_f = models.SmallIntegerField(null=True)
    rfm_m = models.SmallIntegerField(null=True)
    lifecycle = models.CharField(max_length=12, null=True)
    top_category = models.ForeignKey(
        "catalog.Category",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    top_category_share = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    p_alive = models.FloatField(null=True, help_text="BG/NBD P(alive), from the CLV scorer")
    clv_365d = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, help_text="Predicted value, from the CLV scorer"
    )

    class Meta:
        indexes = [
            models.Index(fields=["last_order_at"]),
            models.Index(fields=["rfm_r", "rfm_f"]),
        ]


class FeatureState(models.Model):
    """The last full rebuild: its as_of and the RFM quintile breakpoints it found, which the
    per-member recomputation uses until the next rebuild recalibrates them."""

    as_of = models.DateTimeField()
    rebuilt_at = models.DateTimeField()
    members = models.IntegerField()
    rfm_breaks = models.JSONField(default=dict)
    seconds = models.FloatField(default=0)


class Segment(models.Model):
    """A named rule (docs/segments.md), materialised as versions."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=300, blank=True)
    rule = models.JSONField()
    ready_made = models.BooleanField(default=False)
    refresh_every_hours = models.PositiveIntegerField(default=24, help_text="0: only on demand")
    refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class SegmentVersion(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    rule = models.JSONField(help_text="The rule as evaluated")
    as_of = models.DateTimeField()
    source = models.CharField(max_length=12, help_text="features or orders")
    member_count = models.IntegerField()
    trigger = models.CharField(max_length=12, default="demand", help_text="schedule or demand")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["segment", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "number"], name="segment_version_unique")
        ]


class SegmentMember(models.Model):
    version = models.ForeignKey(SegmentVersion, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "member"], name="segment_member_unique")
        ]
