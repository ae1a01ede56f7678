"""Reservations (库存预留): units of a store's stock promised to an order until they leave the
store (consume) or the promise ends (release: cancel, no-show, expiry).

Invariants, kept by the database whatever the concurrency:
- `reserved` rises only by one conditional UPDATE per line
  (`SET reserved = reserved + q WHERE on_hand - reserved >= q`), so available stock never goes
  below zero; a reserve takes every line or none (one transaction, refusal raises).
- A reference holds at most one reservation per (kind, reference, SKU) (unique index): a retried
  reserve waits on the index for the first one and replays it, never doubling the hold.
- A reservation leaves `held` only by a conditional UPDATE (`WHERE status = 'held'`); only the
  caller whose UPDATE matched gives the units back (release) or takes them out (consume), so a
  release racing the expiry sweep or a consume frees the units exactly once.
- reserved == the sum of the held reservations' quantities, per store and SKU.

Lock order (no deadlocks), shared with `loads`: reservation rows (in SKU order), then stock rows
in (store, SKU) order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from omniloop.catalog.models import Sku
from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.inventory.models import (
    MovementKind,
    ReservationKind,
    StockLevel,
    StockMovement,
    StockReservation,
)
from omniloop.inventory.values import (
    MAX_QUANTITY,
    MAX_RESERVE_LINES,
    ReservationLine,
    ReservationResult,
    ReserveLine,
    Shortage,
    StockInsufficient,
)
from omniloop.stores.models import Store

HELD = StockReservation.Status.HELD
CONSUMED = StockReservation.Status.CONSUMED
RELEASED = StockReservation.Status.RELEASED


# --- Reserve ---------------------------------------------------------------------------------


def stock_reserve(
    *,
    store_id: int,
    lines: Sequence[ReserveLine],
    kind: str,
    reference: str,
    expires_at: datetime | None,
    at: datetime | None = None,
) -> ReservationResult:
    """Hold every line at the store for `reference` until `expires_at` (None: until released or
    consumed), or refuse and write nothing: lines_invalid / quantity_invalid /
    reservation_kind_invalid / reference_invalid / expires_at_invalid / sku_not_found (422),
    store_not_found (404), stock_insufficient (409, naming the SKU and its available quantity),
    reservation_reference_conflict (409: the reference holds other lines) and reservation_closed
    (409: the reference was consumed or released). The same call again replays the hold."""
    now = at or clock.now()
    wanted = _validate(lines, kind, reference, expires_at, now)
    existing = _rows(kind, reference)
    if existing:
        return _replay(existing, store_id, wanted)
    if not Store.objects.filter(pk=store_id).exists():
        raise NotFound("No such store.", code="store_not_found")
    codes = dict(Sku.objects.filter(pk__in=wanted).values_list("pk", "sku_code"))
    if len(codes) != len(wanted):
        missing = sorted(set(wanted) - set(codes))
        raise ValidationFailed("No such SKU.", code="sku_not_found", extra={"sku_ids": missing})
    try:
        with transaction.atomic():
            # The reservation rows first: a concurrent reserve with the same reference waits
            # on the unique index until this one ends, then fails (and replays) or proceeds.
            created = StockReservation.objects.bulk_create(
                [
                    StockReservation(
                        store_id=store_id,
                        sku_id=sku_id,
                        quantity=quantity,
                        kind=kind,
                        reference=reference,
                        status=HELD,
                        expires_at=expires_at,
                        created_at=now,
                        updated_at=now,
                    )
                    for sku_id, quantity in sorted(wanted.items())
                ]
            )
            short = [
                (sku_id, quantity)
                for sku_id, quantity in sorted(wanted.items())
                if not _take(store_id, sku_id, quantity, now)
            ]
            if short:
                raise StockInsufficient(_shortages(store_id, short, codes))
            _log(MovementKind.RESERVE, created, now, sign=1)
    except IntegrityError:
        existing = _rows(kind, reference)
        if not existing:
            raise
        return _replay(existing, store_id, wanted)
    return _result(created)


def _take(store_id: int, sku_id: int, quantity: int, now: datetime) -> bool:
    # READ COMMITTED re-checks this WHERE on the newest version of the row: never oversold.
    return bool(
        StockLevel.objects.filter(
            store_id=store_id, sku_id=sku_id, on_hand__gte=F("reserved") + quantity
        ).update(reserved=F("reserved") + quantity, updated_at=now)
    )


def _shortages(
    store_id: int, short: list[tuple[int, int]], codes: dict[int, str]
) -> list[Shortage]:
    levels = {
        sku_id: on_hand - reserved
        for sku_id, on_hand, reserved in StockLevel.objects.filter(
            store_id=store_id, sku_id__in=[s for s, _ in short]
        ).values_list("sku_id", "on_hand", "reserved")
    }
    return [
        Shortage(
            sku_id=sku_id,
            sku=codes[sku_id],
            requested=quantity,
            available=levels.get(sku_id, 0),
        )
        for sku_id, quantity in short
    ]


def _validate(
    lines: Sequence[ReserveLine],
    kind: str,
    reference: str,
    expires_at: datetime | None,
    now: datetime,
) -> dict[int, int]:
    if kind not in ReservationKind.values:
        raise ValidationFailed("Unknown reservation kind.", code="reservation_kind_invalid")
    if not isinstance(reference, str) or not 1 <= len(reference.strip()) == len(reference) <= 64:
        raise ValidationFailed(
            "The reference is 1-64 characters without outer spaces.", code="reference_invalid"
        )
    _check_expiry(expires_at, now)
    if not lines or len(lines) > MAX_RESERVE_LINES:
        raise ValidationFailed(f"Reserve 1 to {MAX_RESERVE_LINES} lines.", code="lines_invalid")
    wanted: Counter[int] = Counter()
    for line in lines:
        if type(line.quantity) is not int or not 1 <= line.quantity <= MAX_QUANTITY:
            raise ValidationFailed(
                f"Reserve between 1 and {MAX_QUANTITY} units a line.", code="quantity_invalid"
            )
        if type(line.sku_id) is not int:
            raise ValidationFailed("No such SKU.", code="sku_not_found")
        wanted[line.sku_id] += line.quantity
    if max(wanted.values()) > MAX_QUANTITY:
        raise ValidationFailed(
            f"Reserve between 1 and {MAX_QUANTITY} units a SKU.", code="quantity_invalid"
        )
    return dict(wanted)


def _check_expiry(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise ValidationFailed(
            "The expiry must be an aware time in the future.", code="expires_at_invalid"
        )


def _replay(
    existing: list[StockReservation], store_id: int, wanted: dict[int, int]
) -> ReservationResult:
    held = {r.sku_id: r.quantity for r in existing}
    if existing[0].store_id != store_id or held != wanted:
        raise Conflict(
            "This reference already holds other stock.", code="reservation_reference_conflict"
        )
    status = _status(existing)
    if status != HELD:
        raise Conflict(
            f"This reservation is {status}.", code="reservation_closed", extra={"status": status}
        )
    return _result(existing, replayed=True)


# --- Release, consume, extend ----------------------------------------------------------------


def stock_release(*, reference: str, kind: str, at: datetime | None = None) -> ReservationResult:
    """Give a reference's held units back to available stock (cancelled, no-show). Releasing
    again is a no-op (replayed); reservation_not_found (404), reservation_consumed (409)."""
    now = at or clock.now()
    rows = _rows_or_404(kind, reference)
    if _status(rows) == CONSUMED:
        raise Conflict("These goods have left the store.", code="reservation_consumed")
    with transaction.atomic():
        flipped = _flip(rows, RELEASED, now)
        _give_back(flipped, now, consume=False)
        _log(MovementKind.RELEASE, flipped, now, sign=-1)
    rows = _rows(kind, reference)
    if not flipped and _status(rows) == CONSUMED:  # consumed while we looked
        raise Conflict("These goods have left the store.", code="reservation_consumed")
    return _result(rows, replayed=not flipped)


def stock_consume(
    *,
    reference: str,
    kind: str,
    store_id: int | None = None,
    at: datetime | None = None,
) -> ReservationResult:
    """The goods left the store (picked up, shipped): on hand and reserved both drop. Consuming
    again is a no-op (replayed); reservation_not_found (404), reservation_other_store (409:
    `store_id` is not the reservation's store), reservation_released, reservation_expired (409)."""
    now = at or clock.now()
    rows = _rows_or_404(kind, reference)
    if store_id is not None and rows[0].store_id != store_id:
        raise Conflict("This reservation is held at another store.", code="reservation_other_store")
    status = _status(rows)
    if status == HELD and any(r.expires_at is not None and r.expires_at <= now for r in rows):
        raise Conflict("This reservation has expired.", code="reservation_expired")
    if status == RELEASED:
        raise Conflict("This reservation was released.", code="reservation_released")
    with transaction.atomic():
        flipped = _flip(rows, CONSUMED, now)
        _give_back(flipped, now, consume=True)
        _log(MovementKind.CONSUME, flipped, now, sign=-1)
    rows = _rows(kind, reference)
    if not flipped and _status(rows) != CONSUMED:  # released or expired while we looked
        raise Conflict("This reservation was released.", code="reservation_released")
    return _result(rows, replayed=not flipped)


def stock_reservation_extend(
    *, reference: str, kind: str, expires_at: datetime | None, at: datetime | None = None
) -> ReservationResult:
    """Move a held reservation's expiry (e.g. from checkout to N days after ready-for-pickup).
    reservation_not_found (404), reservation_closed (409), expires_at_invalid (422)."""
    now = at or clock.now()
    _check_expiry(expires_at, now)
    rows = _rows_or_404(kind, reference)
    moved = (
        StockReservation.objects.filter(pk__in=[r.pk for r in rows], status=HELD)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .update(expires_at=expires_at, updated_at=now)
    )
    rows = _rows(kind, reference)
    if moved != len(rows):
        status = _status(rows)
        raise Conflict(
            f"This reservation is {'expired' if status == HELD else status}.",
            code="reservation_closed",
            extra={"status": status},
        )
    return _result(rows)


def _flip(rows: list[StockReservation], to: str, now: datetime) -> list[StockReservation]:
    """Move held rows to `to`; only the rows this call moved are returned (and acted on)."""
    live = Q(status=HELD)
    if to == CONSUMED:
        live &= Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    return [
        r
        for r in sorted(rows, key=lambda r: r.sku_id)
        if StockReservation.objects.filter(live, pk=r.pk).update(status=to, updated_at=now)
    ]


def _give_back(rows: list[StockReservation], now: datetime, *, consume: bool) -> None:
    """Take flipped reservations' units out of `reserved` (and `on_hand` when consumed), in
    (store, SKU) order. The row always matches: reserved holds at least every held line."""
    per_level: dict[tuple[int, int], int] = defaultdict(int)
    for r in rows:
        per_level[(r.store_id, r.sku_id)] += r.quantity
    for (store_id, sku_id), quantity in sorted(per_level.items()):
        change: dict[str, object] = {"reserved": F("reserved") - quantity, "updated_at": now}
        if consume:
            change["on_hand"] = F("on_hand") - quantity
        done = StockLevel.objects.filter(
            store_id=store_id, sku_id=sku_id, reserved__gte=quantity
        ).update(**change)
        if done != 1:  # pragma: no cover - the invariant above; roll everything back
            raise RuntimeError(f"stock {store_id}/{sku_id} holds less than its reservations")


# --- Expiry ----------------------------------------------------------------------------------


def stock_release_expired(*, now: datetime | None = None, batch: int = 500) -> int:
    """Release every held reservation whose expiry has passed (no-shows, unpaid holds); returns
    how many reservation rows (one per reference and SKU) were released. Safe to run from
    several workers at once (SKIP LOCKED) and to run again."""
    now = now or clock.now()
    released = 0
    while True:
        count = _expire_batch(now, batch)
        released += count
        if count < batch:
            return released


def _expire_batch(now: datetime, batch: int) -> int:
    with transaction.atomic():
        due = list(
            StockReservation.objects.select_for_update(skip_locked=True)
            .filter(status=HELD, expires_at__lte=now)
            .order_by("pk")[:batch]
        )
        flipped = _flip(due, RELEASED, now)
        _give_back(flipped, now, consume=False)
        _log(MovementKind.RELEASE, flipped, now, sign=-1, why="expired")
    return len(due)


# --- Helpers ---------------------------------------------------------------------------------


def _rows(kind: str, reference: str) -> list[StockReservation]:
    return list(StockReservation.objects.filter(kind=kind, reference=reference).order_by("sku_id"))


def _rows_or_404(kind: str, reference: str) -> list[StockReservation]:
    rows = _rows(kind, reference)
    if not rows:
        raise NotFound("No such reservation.", code="reservation_not_found")
    return rows


def _status(rows: list[StockReservation]) -> str:
    """A reference's lines move together; a mixed set reports its least final state."""
    statuses = {r.status for r in rows}
    for status in (HELD, RELEASED, CONSUMED):
        if status in statuses:
            return status
    return HELD  # pragma: no cover


def _result(rows: list[StockReservation], *, replayed: bool = False) -> ReservationResult:
    first = rows[0]
    return ReservationResult(
        kind=first.kind,
        reference=first.reference,
        store_id=first.store_id,
        status=_status(rows),
        expires_at=first.expires_at,
        lines=tuple(
            ReservationLine(reservation_id=r.pk, sku_id=r.sku_id, quantity=r.quantity)
            for r in sorted(rows, key=lambda r: r.sku_id)
        ),
        replayed=replayed,
    )


def _log(
    kind: str, rows: list[StockReservation], now: datetime, *, sign: int, why: str = ""
) -> None:
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                store_id=r.store_id,
                sku_id=r.sku_id,
                kind=kind,
                reserved_change=sign * r.quantity,
                on_hand_change=-r.quantity if kind == MovementKind.CONSUME else 0,
                source=why,
                reference=f"{r.kind}:{r.reference}",
                at=now,
            )
            for r in rows
        ]
    )
