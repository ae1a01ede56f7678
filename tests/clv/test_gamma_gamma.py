"""Gamma-Gamma against a direct integration over the member's spend scale nu."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy import integrate, stats

from omniloop.clv.gamma_gamma import (
    gamma_gamma_expected_value,
    gamma_gamma_fit,
    gamma_gamma_log_likelihood,
)
from omniloop.clv.values import GammaGammaParams, Summaries

P, Q, GAMMA = 6.0, 4.0, 15.0
PARAMS = GammaGammaParams(p=P, q=Q, gamma=GAMMA, log_likelihood=0, customers=0)
MEMBERS = [(1, 12.0), (3, 25.5), (10, 40.0)]  # (repeat transactions x, their mean value m)


def _density_of_mean(m: float, x: int, nu: float) -> float:
    """x values ~ Gamma(shape p, rate nu) sum to Gamma(p x, nu); their mean m to Gamma(p x,
    rate x nu)."""
    return float(stats.gamma.pdf(m, P * x, scale=1 / (x * nu)))


def _prior(nu: float) -> float:
    return float(stats.gamma.pdf(nu, Q, scale=1 / GAMMA))


def test_log_likelihood_equals_the_integral_over_nu() -> None:
    x = np.array([float(k) for k, _ in MEMBERS])
    m = np.array([v for _, v in MEMBERS])
    ours = gamma_gamma_log_likelihood(P, Q, GAMMA, x, m)
    for got, (k, v) in zip(ours, MEMBERS, strict=True):
        want, _ = integrate.quad(
            lambda nu, k=k, v=v: _density_of_mean(v, k, nu) * _prior(nu), 0, np.inf, epsrel=1e-11
        )
        assert got == pytest.approx(np.log(want), rel=1e-8)


def test_expected_value_is_the_posterior_mean_of_p_over_nu() -> None:
    x = np.array([0.0] + [float(k) for k, _ in MEMBERS])
    m = np.array([0.0] + [v for _, v in MEMBERS])
    ours = gamma_gamma_expected_value(PARAMS, x, m)
    # No repeat purchase: the population mean, E[p / nu] under the prior.
    prior_mean, _ = integrate.quad(lambda nu: P / nu * _prior(nu), 0, np.inf)
    assert ours[0] == pytest.approx(prior_mean, rel=1e-8)
    for got, (k, v) in zip(ours[1:], MEMBERS, strict=True):
        num, _ = integrate.quad(
            lambda nu, k=k, v=v: P / nu * _density_of_mean(v, k, nu) * _prior(nu), 0, np.inf
        )
        den, _ = integrate.quad(
            lambda nu, k=k, v=v: _density_of_mean(v, k, nu) * _prior(nu), 0, np.inf
        )
        assert got == pytest.approx(num / den, rel=1e-7)


def test_fit_is_the_maximum_and_skips_members_without_repeat_value() -> None:
    rng = np.random.default_rng(7)
    n = 2000
    x = rng.integers(0, 8, n).astype(np.float64)
    nu = rng.gamma(Q, 1 / GAMMA, n)
    m = np.array([rng.gamma(P, 1 / nu[i], int(x[i])).mean() if x[i] else 0.0 for i in range(n)])
    summaries = Summaries(
        as_of=date(2026, 1, 1),
        unit_days=1,
        member_ids=np.arange(n, dtype=np.int64),
        frequency=x,
        recency=np.zeros(n),
        age=np.ones(n),
        monetary_value=m,
        total_value=m * x,
    )
    fit = gamma_gamma_fit(summaries)
    used = x > 0
    assert fit.customers == int(used.sum())
    best = np.array([fit.p, fit.q, fit.gamma])
    total = gamma_gamma_log_likelihood(*best, x[used], m[used]).sum()
    assert fit.log_likelihood == pytest.approx(total)
    for k in range(3):
        for step in (0.99, 1.01):
            moved = best.copy()
            moved[k] *= step
            assert gamma_gamma_log_likelihood(*moved, x[used], m[used]).sum() < total
    # The population mean spend p gamma / (q - 1) is well pinned by 2000 members.
    assert fit.p * fit.gamma / (fit.q - 1) == pytest.approx(P * GAMMA / (Q - 1), rel=0.1)
