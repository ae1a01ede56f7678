"""Flash sales (限时秒杀): a fixed stock of one SKU at a price, a time window, a per-member limit.

Invariants, kept by the database whatever the concurrency:
- Stock leaves only through one conditional UPDATE of the sale's row (`stock_left >= q`, active,
  inside the window), so `stock_left` never goes below zero and never oversells.
- A member's units (held or paid) live in one tally row per (sale, member), created under its
  unique constraint and raised only by a conditional upsert (`quantity + q <= limit`), so no member
  ever holds more than `per_member_limit`.
- A claim writes its tally, its claim row and the stock in one transaction: all or nothing.
  Every refusal raises, so nothing is written on failure.
- A held claim not paid by `held_until` is released: its units go back to the stock and to the
  member's allowance (`flash_release_expired`: a task and `omniloop flash_release_expired`).

Lock order (no deadlocks): claim rows (release, pay) -> the member's tally row -> the sale's row.
A claim locks its tally row first and the sale's row last, with only the COMMIT after it: the
sale's row is the hot row every claimant queues on, so it is held for one statement and a commit.

With `REDIS_URL` set, a counter in Redis sheds claims once the stock is gone (`flash_gate`); the
database stays the source of truth.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django_tasks import task

from omniloop.core import clock, rows
from omniloop.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from omniloop.members.models import Member
from omniloop.promotions import flash_gate
from omniloop.promotions.flash_admin import (
    flash_sale_create,
    flash_sale_end,
    flash_sale_get,
    flash_sale_pause,
    flash_sale_resume,
)
from omniloop.promotions.flash_release import flash_claim_pay, flash_release_expired
from omniloop.promotions.flash_values import (
    MAX_QUANTITY,
    FlashClaimResult,
    FlashSoldOut,
    flash_not_found,
)
from omniloop.promotions.models import FlashSale, FlashSaleClaim, FlashSaleTally

__all__ = [
    "FlashClaimResult",
    "FlashSoldOut",
    "flash_claim_pay",
    "flash_release_expired",
    "flash_release_expired_task",
    "flash_sale_claim",
    "flash_sale_create",
    "flash_sale_end",
    "flash_sale_gate_check",
    "flash_sale_get",
    "flash_sale_pause",
    "flash_sale_resume",
]


# --- Claim -----------------------------------------------------------------------------------


def flash_sale_claim(
    *, flash_sale_id: int, member_id: int, quantity: int, at: datetime | None = None
) -> FlashClaimResult:
    """Hold `quantity` units for the member until they pay, or refuse with a stable code:
    quantity_invalid (422), flash_not_found / member_not_found (404), flash_not_started,
    flash_ended, flash_paused, flash_sold_out, flash_member_limit (409). A refusal writes nothing.
    """
    now = at or clock.now()
    if type(quantity) is not int or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(
            f"Claim between 1 and {MAX_QUANTITY} units.", code="quantity_invalid"
        )
    # The gate is only consulted for a claim that is its own transaction: inside a caller's
    # transaction a later rollback would leave the counter decremented (undercounted).
    gate = (
        None
        if connection.in_atomic_block
        else flash_gate.take(flash_sale_id, quantity, load=lambda: _stock_left(flash_sale_id))
    )
    if gate is not None and not gate[0]:
        raise FlashSoldOut(gate[1])
    gated = gate is not None
    try:
        return _claim(flash_sale_id, member_id, quantity, now)
    except FlashSoldOut as exc:
        if gated:
            flash_gate.set_left(flash_sale_id, exc.stock_left)
        raise
    except BaseException:
        if gated:
            flash_gate.give_back(flash_sale_id, quantity)
        raise


def flash_sale_gate_check(*, flash_sale_id: int, quantity: int = 1) -> None:
    """Refuse with flash_sold_out when the Redis gate already knows the sale cannot give
    `quantity` units; otherwise (or without a gate) do nothing. For interfaces that want to turn
    a flood away before they even look the member up; `flash_sale_claim` still decides."""
    if type(quantity) is not int or not 1 <= quantity <= MAX_QUANTITY:
        return  # flash_sale_claim refuses it with quantity_invalid
    left = flash_gate.peek(flash_sale_id)
    if left is not None and left < quantity:
        raise FlashSoldOut(left)


def _stock_left(flash_sale_id: int) -> int:
    left = FlashSale.objects.filter(pk=flash_sale_id).values_list("stock_left", flat=True).first()
    if left is None:
        raise flash_not_found()
    return left


def _refusal(sale: FlashSale, quantity: int, now: datetime) -> ApplicationError | None:
    """Why this sale cannot give `quantity` units now, or None if it can (as far as this read of
    the row knows: the conditional UPDATE decides)."""
    if sale.status == FlashSale.Status.PAUSED:
        return Conflict("This flash sale is paused.", code="flash_paused")
    if sale.status == FlashSale.Status.ENDED or now >= sale.ends_at:
        return Conflict("This flash sale has ended.", code="flash_ended")
    if sale.status == FlashSale.Status.DRAFT or now < sale.starts_at:
        return Conflict(
            "This flash sale has not started.",
            code="flash_not_started",
            extra={"starts_at": sale.starts_at.isoformat()},
        )
    if sale.stock_left < quantity:
        return FlashSoldOut(sale.stock_left)
    if quantity > sale.per_member_limit:
        return _member_limit(sale)
    return None


def _member_limit(sale: FlashSale) -> Conflict:
    return Conflict(
        f"A member may claim at most {sale.per_member_limit} of this flash sale.",
        code="flash_member_limit",
        extra={"per_member_limit": sale.per_member_limit},
    )


# One statement: the member must exist and be active, the tally row is created under the unique
# constraint if missing and raised only while it stays within the limit. No row back = refused.
_TALLY_ADD = f"""
INSERT INTO {FlashSaleTally._meta.db_table} (flash_sale_id, member_id, quantity)
SELECT %s, m.id, %s FROM {Member._meta.db_table} m WHERE m.id = %s AND m.status = 'active'
ON CONFLICT (flash_sale_id, member_id) DO UPDATE
SET quantity = {FlashSaleTally._meta.db_table}.quantity + excluded.quantity
WHERE {FlashSaleTally._meta.db_table}.quantity + excluded.quantity <= %s
RETURNING quantity
"""  # noqa: S608 (table names from the models, values as parameters)


_CLAIM_ADD = f"""
INSERT INTO {FlashSaleClaim._meta.db_table}
    (flash_sale_id, member_id, quantity, state, held_until, claimed_at)
VALUES (%s, %s, %s, '{FlashSaleClaim.State.HELD}', %s, %s)
RETURNING id
"""  # noqa: S608

# The hot row, locked last and for one statement: READ COMMITTED re-checks this WHERE on the
# newest version of the row, so stock never goes below zero whatever the concurrency.
_STOCK_TAKE = f"""
UPDATE {FlashSale._meta.db_table} SET stock_left = stock_left - %s
WHERE id = %s AND stock_left >= %s AND status = '{FlashSale.Status.ACTIVE}'
    AND starts_at <= %s AND ends_at > %s
"""  # noqa: S608


def _claim(flash_sale_id: int, member_id: int, quantity: int, now: datetime) -> FlashClaimResult:
    # A flood of claims runs this for every request: fixed statements (core.rows), no ORM
    # compilation, and the fewest round trips the invariants allow.
    sale = rows.fetch_one(FlashSale, "t.id = %s", [flash_sale_id])
    if sale is None:
        raise flash_not_found()
    # Refuse on this plain read first, before any transaction: a sold-out flood then costs one
    # SELECT a request and never writes or queues on locks.
    if (refusal := _refusal(sale, quantity, now)) is not None:
        raise refusal
    held_until = now + timedelta(minutes=sale.hold_minutes)
    at = connection.ops.adapt_datetimefield_value
    with transaction.atomic():
        cursor = rows.cursor()
        # lock 1: the member's tally row
        cursor.execute(_TALLY_ADD, [sale.pk, quantity, member_id, sale.per_member_limit])
        row = cursor.fetchone()
        if row is None:
            if not Member.objects.filter(pk=member_id, status=Member.Status.ACTIVE).exists():
                raise NotFound("No such member.", code="member_not_found")
            raise _member_limit(sale)
        cursor.execute(_CLAIM_ADD, [sale.pk, member_id, quantity, at(held_until), at(now)])
        (claim_id,) = cursor.fetchone()
        cursor.execute(_STOCK_TAKE, [quantity, sale.pk, quantity, at(now), at(now)])
        if cursor.rowcount != 1:  # lock 2, last: the sale's (hot) row
            # READ COMMITTED re-checked the WHERE on the newest row version: re-read why.
            sale.refresh_from_db()
            raise _refusal(sale, quantity, now) or FlashSoldOut(sale.stock_left)
    return FlashClaimResult(
        claim_id=claim_id,
        flash_sale_id=sale.pk,
        member_id=member_id,
        quantity=quantity,
        price=sale.price,
        amount=sale.price * quantity,
        held_until=held_until,
        member_total=int(row[0]),
    )


@task(queue_name="default")
def flash_release_expired_task() -> int:
    return flash_release_expired()
