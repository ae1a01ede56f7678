"""Gamma-Gamma spend (Fader, Hardie and Lee 2005, "RFM and CLV: using iso-value curves";
Fader and Hardie's note "The Gamma-Gamma model of monetary value", 2013).

A member's transactions are worth z ~ Gamma(p, nu) each, with nu ~ Gamma(q, gamma) across
members. For a member with x repeat transactions of mean value m the density of m is

    f(m | x) = Gamma(p x + q) / (Gamma(p x) Gamma(q)) * gamma^q m^(p x - 1) x^(p x)
               / (gamma + m x)^(p x + q)

The model assumes value does not depend on frequency; it is fitted on the members with at
least one repeat transaction of positive value.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from omniloop.clv.fitting import compress, maximise
from omniloop.clv.values import FloatArray, GammaGammaParams, Summaries
from omniloop.core.errors import ValidationFailed


def gamma_gamma_log_likelihood(
    p: float, q: float, gamma: float, x: FloatArray, m: FloatArray
) -> FloatArray:
    """Each member's log-density of their mean repeat value (x > 0, m > 0)."""
    px = p * x
    return (  # type: ignore[no-any-return]
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x)
    )


def gamma_gamma_fit(summaries: Summaries) -> GammaGammaParams:
    """The maximum-likelihood Gamma-Gamma parameters over members with repeat value."""
    used = (summaries.frequency > 0) & (summaries.monetary_value > 0)
    if not used.any():
        raise ValidationFailed(
            "No member has a repeat purchase to fit spend on.", code="clv_no_repeat_history"
        )
    (x, m), weight = compress(summaries.frequency[used], summaries.monetary_value[used])

    def total(params: FloatArray) -> float:
        p, q, gamma = params
        return float(weight @ gamma_gamma_log_likelihood(p, q, gamma, x, m))

    (p, q, gamma), ll = maximise(total, start=np.zeros(3), model="Gamma-Gamma")
    return GammaGammaParams(
        p=float(p), q=float(q), gamma=float(gamma), log_likelihood=ll, customers=int(used.sum())
    )


def gamma_gamma_expected_value(
    params: GammaGammaParams, x: FloatArray, m: FloatArray
) -> FloatArray:
    """E[value of a transaction | x, m]: a weighted mean of the population mean p gamma /
    (q - 1) and the member's own mean m, the member's weight growing with x. Members without
    repeat value get the population mean. Needs q > 1 (a finite population mean)."""
    p, q, gamma = params.p, params.q, params.gamma
    if q <= 1:
        raise ValidationFailed(
            "The fitted spend distribution has no finite mean (q <= 1).", code="clv_fit_failed"
        )
    own = np.where((x > 0) & (m > 0), x, 0.0)
    return (p * (gamma + own * m)) / (p * own + q - 1)  # type: ignore[no-any-return]
