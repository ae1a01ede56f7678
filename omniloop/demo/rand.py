"""Deterministic draws for the demo brand: every random thing comes from one seeded RNG, so a
seed always yields the same stores, products, member codes and QR scenes."""

from __future__ import annotations

import bisect
import itertools
import math
import random
import uuid
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from omniloop.members.codes import luhn_digit
from omniloop.touchpoints.services import SCENE_ALPHABET

T = TypeVar("T")

# Mobile prefixes of the three carriers; all pass phonenumbers' CN metadata as MOBILE.
MOBILE_PREFIXES = ("138", "139", "150", "186", "177", "135", "136", "158", "188", "131", "189")


class DemoRandom(random.Random):
    """`random.Random` plus the demo's identifiers, each unique within one load."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self._issued: set[str] = set()

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(100):
            value = make()
            if value not in self._issued:
                self._issued.add(value)
                return value
        raise RuntimeError("the demo RNG keeps colliding")

    def digits(self, n: int) -> str:
        return f"{self.randrange(10**n):0{n}d}"

    def scene(self) -> str:
        return self._unique(lambda: "".join(self.choices(SCENE_ALPHABET, k=12)))

    def member_code(self) -> str:
        """12 digits starting with 8 and ending in a Luhn digit, like `new_member_code`."""

        def make() -> str:
            body = "8" + self.digits(10)
            return body + luhn_digit(body)

        return self._unique(make)

    def mobile(self) -> str:
        return self._unique(lambda: self.choice(MOBILE_PREFIXES) + self.digits(8))

    def hex_id(self, n: int) -> str:
        return self._unique(lambda: f"{self.getrandbits(4 * n):0{n}X}")

    def token(self, prefix: str, n: int, alphabet: str = "0123456789") -> str:
        return self._unique(lambda: prefix + "".join(self.choices(alphabet, k=n)))

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.getrandbits(128), version=4))

    def poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, round(self.gauss(lam, math.sqrt(lam))))
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.random()
            if p <= limit:
                return k
            k += 1


class WeightedPicker(Generic[T]):
    """Repeated weighted choices from a fixed population, O(log n) each."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


def ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)
