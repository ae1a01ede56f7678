"""Splitting an amount of cents among parties exactly (pure functions).

Largest remainder: each party gets the floor of its exact share, and the cents left over go one
each to the largest fractional parts, ties to the earlier party. The parts always sum to the
whole, and the same inputs always give the same split."""

from __future__ import annotations

from collections.abc import Sequence


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` cents (>= 0) in proportion to non-negative integer `weights`."""
    if total < 0:
        raise ValueError("total must not be negative")
    weight_sum = sum(weights)
    if weight_sum <= 0:
        raise ValueError("weights must sum to more than zero")
    floors = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    left = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def take_back(amount: int, balances: Sequence[int]) -> list[int]:
    """How much of `amount` cents to take back from each party holding `balances` (all >= 0,
    `amount` <= their sum), in proportion to what each still holds: never more than a party
    holds, and all of it when `amount` is the whole balance."""
    held = sum(balances)
    if amount > held:
        raise ValueError("cannot take back more than is held")
    if amount == held:
        return list(balances)
    return allocate(amount, balances)
