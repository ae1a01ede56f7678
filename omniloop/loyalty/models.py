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
    ISSUANCE = "issuance", "Brand: issued"
    REDEMPTION = "redemption", "Brand: redeemed"
    EXPIRY = "expiry", "Brand: expired (breakage)"
    ADJUSTMENT = "adjustment", "Brand: manual adjustments"


BRAND_KINDS = tuple(k for k in AccountKind if k != AccountKind.MEMBER)


class TransactionKind(models.TextChoices):
    EARN = "earn", "Earn"
    BURN = "burn", "Burn"
    EXPIRE = "expire", "Expire"
    ADJUST = "adjust", "Manual adjustment"
    TRANSFER = "transfer", "Transfer (merge)"


class LedgerAccount(models.Model):
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    member = models.OneToOneField(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_account",
    )
    balance = models.BigIntegerField(
        default=0, help_text="Cache: the sum of this account's entries"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="ledger_account_member_iff_member_kind",
                condition=(
                    Q(kind="member", member__isnull=False)
                    | (~Q(kind="member") & Q(member__isnull=True))
                ),
            ),
            models.CheckConstraint(
                name="ledger_member_balance_not_negative",
                condition=~Q(kind="member") | Q(balance__gte=0),
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
