"""Exact money helpers: integer fen in, integer fen out."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def to_fen(value: Decimal) -> int:
    return int((value / FEN).to_integral_value(rounding=ROUND_HALF_UP))


def to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) * FEN).quantize(FEN)


def percent_of(amount: int, percent: Decimal) -> int:
    """`percent`% of `amount`, rounded half up to the fen."""
    return int((Decimal(amount) * percent / 100).to_integral_value(rounding=ROUND_HALF_UP))


def split(total: int, weights: list[int]) -> list[int]:
    """Split `total` over `weights` proportionally, by largest remainder: the parts are whole fen,
    never exceed their weight when total <= sum(weights), and always add up to `total`."""
    base = sum(weights)
    if total <= 0 or base <= 0:
        return [0] * len(weights)
    parts = [total * w // base for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % base), i))
    for i in remainders[: total - sum(parts)]:
        parts[i] += 1
    return parts
