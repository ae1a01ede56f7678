"""BG/NBD against a direct numerical integration over the purchase rate and dropout
probability, on a tiny hand-made data set."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy import special

from omniloop.clv.bgnbd import (
    bgnbd_expected_purchases,
    bgnbd_fit,
    bgnbd_log_likelihood,
    bgnbd_p_alive,
)
from omniloop.clv.values import BgNbdParams, Summaries
from tests.clv.helpers import simulate_bgnbd

R, ALPHA, A, B = 2.0, 3.0, 1.5, 2.5
PARAMS = BgNbdParams(r=R, alpha=ALPHA, a=A, b=B, unit_days=1, log_likelihood=0, customers=0)
# (x, t_x, T): never came back; came back twice; came back often, recently; often, long ago.
MEMBERS = [(0, 0, 5.0), (2, 3.0, 7.0), (5, 9.0, 10.0), (4, 1.5, 12.0)]


def _grid(n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian quadrature over the mixing distributions: generalised Gauss-Laguerre in the
    purchase rate lam ~ Gamma(r, alpha), Gauss-Jacobi in the dropout probability p ~ Beta(a, b).
    Returns (lam, p, weight) on an n x n grid; sum(weight * f(lam, p)) = E[f]."""
    u, wu = special.roots_genlaguerre(n, R - 1)  # weight u^(r-1) e^-u, lam = u / alpha
    v, wv = special.roots_jacobi(n, B - 1, A - 1)  # weight (1-v)^(b-1) (1+v)^(a-1), p = (1+v)/2
    w_lam = wu / special.gamma(R)
    w_p = wv / 2 ** (A + B - 1) / special.beta(A, B)
    lam, p = np.meshgrid(u / ALPHA, (v + 1) / 2, indexing="ij")
    return lam, p, np.outer(w_lam, w_p)


LAM, P, W = _grid()


def _expect(f: np.ndarray) -> float:
    return float((W * f).sum())


def _alive_to_T(x: float, T: float) -> np.ndarray:
    """Density of x purchases, no dropout after any of them, none between the last and T."""
    return (1 - P) ** x * LAM**x * np.exp(-LAM * T)


def _dropped_after_last(x: float, t_x: float) -> np.ndarray:
    """Density of x purchases with a dropout right after the last (needs x > 0)."""
    return P * (1 - P) ** (x - 1) * LAM**x * np.exp(-LAM * t_x) if x else np.zeros_like(P)


def _columns() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T = (np.array(c, dtype=np.float64) for c in zip(*MEMBERS, strict=True))
    return x, t_x, T


def test_log_likelihood_equals_numerical_integration() -> None:
    ours = bgnbd_log_likelihood(R, ALPHA, A, B, *_columns())
    for got, (x, t_x, T) in zip(ours, MEMBERS, strict=True):
        want = _expect(_alive_to_T(x, T) + _dropped_after_last(x, t_x))
        assert got == pytest.approx(np.log(want), rel=1e-9)


def test_p_alive_and_expected_purchases_equal_numerical_integration() -> None:
    t = 30.0
    p_alive = bgnbd_p_alive(PARAMS, *_columns())
    expected = bgnbd_expected_purchases(PARAMS, t, *_columns())
    for i, (x, t_x, T) in enumerate(MEMBERS):
        evidence = _expect(_alive_to_T(x, T) + _dropped_after_last(x, t_x))
        alive = _expect(_alive_to_T(x, T))
        # Alive at T, a member buys at rate lam until dropping out (chance p per purchase),
        # so E[purchases in t] = integral of lam exp(-lam p s) ds = (1 - exp(-lam p t)) / p.
        future = _expect(_alive_to_T(x, T) * (1 - np.exp(-LAM * P * t)) / P)
        assert p_alive[i] == pytest.approx(alive / evidence, rel=1e-9)
        assert expected[i] == pytest.approx(future / evidence, rel=1e-8)


def test_p_alive_is_one_for_a_member_who_never_came_back() -> None:
    x = np.array([0.0, 0.0])
    assert bgnbd_p_alive(PARAMS, x, np.array([0.0, 0.0]), np.array([3.0, 400.0])).tolist() == [
        1.0,
        1.0,
    ]


def test_fit_is_the_maximum_and_recovers_the_generating_parameters() -> None:
    members = simulate_bgnbd(np.random.default_rng(5), 3000, 60.0, R, ALPHA, A, B)
    x = np.array([len(times) - 1 for times in members], dtype=np.float64)
    t_x = np.array([times[-1] for times in members])
    T = np.full(len(members), 60.0)
    ids = np.arange(len(x), dtype=np.int64)
    summaries = Summaries(
        as_of=date(2026, 1, 1),
        unit_days=1,
        member_ids=ids,
        frequency=x,
        recency=t_x,
        age=T,
        monetary_value=np.zeros(len(x)),
        total_value=np.zeros(len(x)),
    )
    fit = bgnbd_fit(summaries)
    best = np.array([fit.r, fit.alpha, fit.a, fit.b])
    assert fit.log_likelihood == pytest.approx(bgnbd_log_likelihood(*best, x, t_x, T).sum())
    for k in range(4):
        for step in (0.99, 1.01):
            moved = best.copy()
            moved[k] *= step
            assert bgnbd_log_likelihood(*moved, x, t_x, T).sum() < fit.log_likelihood
    # A loose check: 3000 members pin r/alpha (the mean rate) and a/(a+b) well.
    assert fit.r / fit.alpha == pytest.approx(R / ALPHA, rel=0.15)
    assert fit.a / (fit.a + fit.b) == pytest.approx(A / (A + B), rel=0.2)
