"""BG/NBD (Fader, Hardie and Lee 2005, "Counting your customers the easy way").

While alive a member buys at rate lambda ~ Gamma(r, alpha); after every purchase they drop out
with probability p ~ Beta(a, b). For a member with x repeat purchases, the last at t_x, observed
for T (all in one time unit), the likelihood is

    L = B(a, b + x) / B(a, b) * Gamma(r + x) alpha^r / Gamma(r)
        * [ (alpha + T)^-(r+x) + [x > 0] a / (b + x - 1) (alpha + t_x)^-(r+x) ]

(the paper's equation 6), computed here in logs.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

from omniloop.clv.fitting import compress, maximise
from omniloop.clv.values import BgNbdParams, FloatArray, Summaries
from omniloop.core.errors import ValidationFailed


def bgnbd_log_likelihood(
    r: float, alpha: float, a: float, b: float, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """Each member's log-likelihood."""
    repeat = x > 0
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    alive_to_T = -(r + x) * np.log(alpha + T)
    dropped = np.full_like(x, -np.inf)
    xr = x[repeat]
    dropped[repeat] = np.log(a) - np.log(b + xr - 1) - (r + xr) * np.log(alpha + t_x[repeat])
    return base + np.logaddexp(alive_to_T, dropped)  # type: ignore[no-any-return]


def bgnbd_fit(summaries: Summaries) -> BgNbdParams:
    """The maximum-likelihood BG/NBD parameters for these members, in their time unit."""
    if len(summaries) == 0:
        raise ValidationFailed("No member has a purchase to fit on.", code="clv_no_history")
    (x, t_x, T), weight = compress(summaries.frequency, summaries.recency, summaries.age)

    def total(params: FloatArray) -> float:
        r, alpha, a, b = params
        return float(weight @ bgnbd_log_likelihood(r, alpha, a, b, x, t_x, T))

    (r, alpha, a, b), ll = maximise(total, start=np.zeros(4), model="BG/NBD")
    return BgNbdParams(
        r=float(r),
        alpha=float(alpha),
        a=float(a),
        b=float(b),
        unit_days=summaries.unit_days,
        log_likelihood=ll,
        customers=len(summaries),
    )


def _still_alive_odds(p: BgNbdParams, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """[x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x): dropped out vs alive."""
    odds = np.zeros_like(x)
    rep = x > 0
    xr = x[rep]
    odds[rep] = (p.a / (p.b + xr - 1)) * np.exp(
        (p.r + xr) * (np.log(p.alpha + T[rep]) - np.log(p.alpha + t_x[rep]))
    )
    return odds


def bgnbd_p_alive(p: BgNbdParams, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """P(alive at T | x, t_x, T) (the paper's equation 11). A member who never came back has
    not had a chance to drop out (dropping out happens only after a purchase), so it is 1."""
    return 1.0 / (1.0 + _still_alive_odds(p, x, t_x, T))  # type: ignore[no-any-return]


def bgnbd_expected_purchases(
    p: BgNbdParams, t: float, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """E[purchases in (T, T + t] | x, t_x, T] (the paper's equation 10)."""
    r, alpha, a, b = p.r, p.alpha, p.a, p.b
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    bracket = 1.0 - np.exp((r + x) * np.log((alpha + T) / (alpha + T + t))) * hyp
    ratio = (a + b + x - 1) / (a - 1)
    return ratio * bracket / (1.0 + _still_alive_odds(p, x, t_x, T))  # type: ignore[no-any-return]
