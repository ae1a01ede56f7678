"""The values the CLV code passes around: per-member arrays and fitted parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

UNIT_DAYS = {"day": 1, "week": 7}


@dataclass(frozen=True)
class Summaries:
    """Per member, as the BG/NBD and Gamma-Gamma literature counts them (arrays of one length).

    - `frequency`: repeat transactions, the number of distinct purchase days minus one;
    - `recency`: from the first purchase day to the last one; `age` (the papers' T): from the
      first purchase day to `as_of`; both in units of `unit_days` days;
    - `monetary_value`: the mean value of the repeat transactions (every purchase day but the
      first), in yuan; 0 where `frequency` is 0;
    - `total_value`: what the member paid on all counted days, in yuan (for reporting).
    """

    as_of: date
    unit_days: int
    member_ids: IntArray
    frequency: FloatArray
    recency: FloatArray
    age: FloatArray
    monetary_value: FloatArray
    total_value: FloatArray

    def __len__(self) -> int:
        return len(self.member_ids)

    def in_unit(self, unit_days: int) -> Summaries:
        """The same members with recency and age counted in another unit."""
        k = self.unit_days / unit_days
        return Summaries(
            as_of=self.as_of,
            unit_days=unit_days,
            member_ids=self.member_ids,
            frequency=self.frequency,
            recency=self.recency * k,
            age=self.age * k,
            monetary_value=self.monetary_value,
            total_value=self.total_value,
        )


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD: purchase rates ~ Gamma(r, alpha), dropout probabilities ~ Beta(a, b).
    `alpha` is in the time unit of `unit_days` days."""

    r: float
    alpha: float
    a: float
    b: float
    unit_days: int
    log_likelihood: float
    customers: int


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma: a transaction's value ~ Gamma(p, nu), nu ~ Gamma(q, gamma) across members."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int


@dataclass(frozen=True)
class ClvFit:
    """Both models fitted on the history up to `as_of`."""

    as_of: date
    bgnbd: BgNbdParams
    gamma_gamma: GammaGammaParams

    def as_json(self) -> dict[str, dict[str, float | int]]:
        b, g = self.bgnbd, self.gamma_gamma
        return {
            "bgnbd": {
                "r": b.r,
                "alpha": b.alpha,
                "a": b.a,
                "b": b.b,
                "log_likelihood": b.log_likelihood,
                "customers": b.customers,
            },
            "gamma_gamma": {"p": g.p, "q": g.q, "gamma": g.gamma, "customers": g.customers},
        }


@dataclass(frozen=True)
class ClvScores:
    """Per member (aligned with `member_ids`): P(alive) at `as_of`, expected purchases over
    the horizon, the expected value of one purchase, and `clv`, their product, in yuan.
    Statistical estimates, so floats: round to Decimal with two places when storing
    `clv_365d` as money."""

    as_of: date
    horizon_days: int
    member_ids: IntArray
    p_alive: FloatArray
    expected_purchases: FloatArray
    expected_value: FloatArray
    clv: FloatArray

    @property
    def clv_365d(self) -> FloatArray:
        if self.horizon_days != 365:
            raise ValueError(f"these scores cover {self.horizon_days} days, not 365")
        return self.clv
