"""Per-member P(alive) and lifetime value over a horizon, for the member features.

`clv_365d` is expected purchases in the next 365 days (BG/NBD) times the expected value of one
(Gamma-Gamma), undiscounted: over one year a brand's discount rate moves the figure by a few per
cent, less than the models' own error, and an undiscounted sum is what a marketer reads as
"what this member will spend next year". The product of the two expectations assumes, as the
Gamma-Gamma model does, that how often a member buys says nothing of how much.
"""

from __future__ import annotations

from omniloop.clv.bgnbd import bgnbd_expected_purchases, bgnbd_p_alive
from omniloop.clv.gamma_gamma import gamma_gamma_expected_value
from omniloop.clv.values import ClvFit, ClvScores, Summaries


def clv_score(params: ClvFit, summaries: Summaries, horizon_days: int = 365) -> ClvScores:
    """Scores for every member in `summaries` (in any unit: converted to the fit's)."""
    s = summaries.in_unit(params.bgnbd.unit_days)
    bg = params.bgnbd
    t = horizon_days / bg.unit_days
    p_alive = bgnbd_p_alive(bg, s.frequency, s.recency, s.age)
    purchases = bgnbd_expected_purchases(bg, t, s.frequency, s.recency, s.age)
    value = gamma_gamma_expected_value(params.gamma_gamma, s.frequency, s.monetary_value)
    return ClvScores(
        as_of=s.as_of,
        horizon_days=horizon_days,
        member_ids=s.member_ids,
        p_alive=p_alive,
        expected_purchases=purchases,
        expected_value=value,
        clv=purchases * value,
    )
