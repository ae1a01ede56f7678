"""The lift estimator: treated minus holdout mean per member, with a Welch interval (ADR 30).

Per member outcome (revenue in yuan, or visits) over the campaign window, zero for a member
who did not come. The difference of the two group means is unbiased because the groups are a
random split of one frozen audience; its standard error is Welch's (unequal variances), the
interval uses Student's t with the Welch-Satterthwaite degrees of freedom. `welch_many` works
on a matrix of replications at once (the simulation test), `welch` on one campaign."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Estimate:
    treated_mean: float
    holdout_mean: float
    diff: float
    low: float
    high: float
    p_value: float
    n_treated: int
    n_holdout: int
    level: float

    @property
    def significant(self) -> bool:
        return not (self.low <= 0.0 <= self.high)


def welch_many(
    treated: np.ndarray, holdout: np.ndarray, *, level: float = 0.95
) -> dict[str, np.ndarray]:
    """Row-wise Welch estimates: `treated` is (reps, n_t), `holdout` (reps, n_h)."""
    t = np.atleast_2d(np.asarray(treated, dtype=np.float64))
    h = np.atleast_2d(np.asarray(holdout, dtype=np.float64))
    n_t, n_h = t.shape[1], h.shape[1]
    m_t, m_h = t.mean(axis=1), h.mean(axis=1)
    v_t = t.var(axis=1, ddof=1) / n_t
    v_h = h.var(axis=1, ddof=1) / n_h
    se2 = v_t + v_h
    se = np.sqrt(se2)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = se2**2 / (v_t**2 / (n_t - 1) + v_h**2 / (n_h - 1))
        df = np.where(np.isfinite(df), df, float(n_t + n_h - 2))
        q = stats.t.ppf(0.5 + level / 2, df)
        diff = m_t - m_h
        tstat = np.where(se > 0, diff / np.where(se > 0, se, 1.0), 0.0)
    p = 2 * stats.t.sf(np.abs(tstat), df)
    return {
        "treated_mean": m_t,
        "holdout_mean": m_h,
        "diff": diff,
        "low": diff - q * se,
        "high": diff + q * se,
        "p_value": np.where(se > 0, p, 1.0),
    }


def welch(treated: np.ndarray, holdout: np.ndarray, *, level: float = 0.95) -> Estimate | None:
    """One campaign's estimate; None when a group has fewer than two members."""
    t = np.asarray(treated, dtype=np.float64)
    h = np.asarray(holdout, dtype=np.float64)
    if t.size < 2 or h.size < 2:
        return None
    r = welch_many(t[None, :], h[None, :], level=level)
    return Estimate(
        treated_mean=float(r["treated_mean"][0]),
        holdout_mean=float(r["holdout_mean"][0]),
        diff=float(r["diff"][0]),
        low=float(r["low"][0]),
        high=float(r["high"][0]),
        p_value=float(r["p_value"][0]),
        n_treated=int(t.size),
        n_holdout=int(h.size),
        level=level,
    )
