"""The points ledger (积分账本, ADR 13): double-entry and append-only.

Every movement is a `LedgerTransaction` of two or more `LedgerEntry` rows summing to zero. Each
member has one account (points the brand owes them); the brand has one account per kind
(issuance, redemption, expiry, adjustment), whose balances are the other side of the liability.
An account's `balance` and a lot's `remaining` are caches of their entries' sums, changed only
by `ledger.entries_write` in the entries' own transaction. Entries are never updated or deleted
(on PostgreSQL a trigger refuses it); mistakes are fixed by new transactions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AccountKind(models.TextChoices):
    MEMBER = "member", "Member"
    DEBT = "debt", "Member: points owed back (a reversal of points already spent)"
    ISSUANCE = "issuance", "Brand: issued"
    REDEMPTION = "redemption", "Brand: redeemed"
    EXPIRY = "expiry", "Brand: expired (breakage)"
    ADJUSTMENT = "adjustment", "Brand: manual adjustments"


MEMBER_KINDS = (AccountKind.MEMBER, AccountKind.DEBT)
BRAND_KINDS = tuple(k for k in AccountKind if k not in MEMBER_KINDS)


class TransactionKind(models.TextChoices):
    EARN = "earn", "Earn"
    BURN = "burn", "Burn"
    EXPIRE = "expire", "Expire"
    ADJUST = "adjust", "Manual adjustment"
    TRANSFER = "transfer", "Transfer (merge)"
    REVERSE = "reverse", "Reversal (a return)"
    RESTORE = "restore", "Points paid back (a return)"


class LedgerAccount(models.Model):
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_accounts",
    )
    balance = models.BigIntegerField(
        default=0, help_text="Cache: the sum of this account's entries"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="ledger_account_member_iff_member_kind",
                condition=(
                    Q(kind__in=["member", "debt"], member__isnull=False)
                    | (~Q(kind__in=["member", "debt"]) & Q(member__isnull=True))
                ),
            ),
            models.CheckConstraint(
                name="ledger_member_balance_not_negative",
                condition=~Q(kind="member") | Q(balance__gte=0),
            ),
            models.CheckConstraint(
                name="ledger_debt_balance_not_positive",
                condition=~Q(kind="debt") | Q(balance__lte=0),
            ),
            models.UniqueConstraint(
                fields=["member", "kind"],
                condition=Q(member__isnull=False),
                name="ledger_one_account_per_member_kind",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(member__isnull=True),
                name="ledger_one_brand_account_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.member_id or 'brand'}"


class LedgerTransaction(models.Model):
    """One balanced movement. `reference` makes it idempotent: the same reference with the same
    `fingerprint` (a hash of what was asked) replays it, with another is refused."""

    reference = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=TransactionKind.choices)
    fingerprint = models.CharField(max_length=64)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.reference


class PointsLot(models.Model):
    """A lot (批次): the points one credit brought to a member account, spent soonest-expiring
    first and swept to the brand's expiry account when `expires_at` passes."""

    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="lots")
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="lots"
    )
    points = models.PositiveIntegerField()
    remaining = models.IntegerField(default=0, help_text="Cache: the sum of this lot's entries")
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="ledger_lot_remaining_in_range",
                condition=Q(remaining__gte=0) & Q(remaining__lte=models.F("points")),
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "expires_at"],
                condition=Q(remaining__gt=0),
                name="ledger_lot_open_by_expiry",
            ),
            models.Index(
                fields=["expires_at"], condition=Q(remaining__gt=0), name="ledger_lot_open_expiry"
            ),
        ]


class LedgerEntry(models.Model):
    """One leg: `amount` is added to the account's balance (and the lot's remaining, for a
    member leg). Append-only."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    lot = models.ForeignKey(
        PointsLot, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    amount = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(name="ledger_entry_amount_not_zero", condition=~Q(amount=0)),
        ]
        indexes = [models.Index(fields=["account", "transaction"])]


class PointsAdjustment(models.Model):
    """A manual adjustment: asked for by one staff user with a reason, posted only when another
    (an approver, never store staff) approves it."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="points_adjustments"
    )
    points = models.IntegerField(help_text="Signed: positive credits the member")
    reason = models.CharField(max_length=200)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(name="points_adjustment_not_zero", condition=~Q(points=0)),
        ]


class PointsPolicy(models.Model):
    """How points are earned, spent and kept (one row, pk=1): the base earn rate, what points
    are worth at checkout, and the tier ladder."""

    earn_per_yuan = models.DecimalField(
        max_digits=6, decimal_places=2, default=1, help_text="Points per yuan paid in money"
    )
    redeem_points_per_yuan = models.PositiveIntegerField(
        default=100, help_text="Points that pay one yuan at checkout"
    )
    redeem_max_share_pct = models.PositiveSmallIntegerField(
        default=50, help_text="At most this share of an order may be paid with points"
    )
    tier_metric = models.CharField(
        max_length=16,
        default="points_earned",
        help_text="points_earned or spend, over the rolling window",
    )
    tier_window_days = models.PositiveIntegerField(default=365)
    tier_thresholds = models.JSONField(
        default=dict, help_text='{"silver": 1000, "gold": 5000, "platinum": 20000}'
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "points policy"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="points_policy_singleton"),
            models.CheckConstraint(
                condition=Q(redeem_max_share_pct__lte=100), name="points_redeem_share_range"
            ),
        ]


class EarnRule(models.Model):
    """A multiplier or a bonus on top of the base earn rate, scoped by tier, channel, category
    and a time window (a campaign). Of the multipliers that apply to a line the highest wins
    (they never compound); every bonus that applies to an order is added once."""

    class Kind(models.TextChoices):
        MULTIPLIER = "multiplier", "Multiplier"
        BONUS = "bonus", "Bonus points per order"

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    tier = models.CharField(max_length=16, blank=True, help_text="Blank: every tier")
    channel_code = models.CharField(max_length=32, blank=True, help_text="Blank: every channel")
    category_code = models.CharField(max_length=32, blank=True, help_text="Blank: every category")
    campaign = models.CharField(max_length=64, blank=True)
    multiplier = models.DecimalField(max_digits=5, decimal_places=2, default=1)
    bonus_points = models.PositiveIntegerField(default=0)
    min_spend = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(multiplier__gte=0) & Q(multiplier__lte=100), name="earn_rule_multiplier"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TierChange(models.Model):
    """Every tier change: from, to, the metric's value, when and why (upgrade, downgrade)."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="tier_changes"
    )
    from_tier = models.CharField(max_length=16)
    to_tier = models.CharField(max_length=16)
    metric_value = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=16)
    at = models.DateTimeField()

    class Meta:
        ordering = ["member", "-at", "-pk"]
