"""`clv_score`: P(alive) and 365-day value per member from a fit."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from omniloop.clv.bgnbd import bgnbd_expected_purchases, bgnbd_p_alive
from omniloop.clv.scoring import clv_score
from omniloop.clv.values import BgNbdParams, ClvFit, GammaGammaParams, Summaries

WEEKLY = ClvFit(
    as_of=date(2026, 3, 1),
    bgnbd=BgNbdParams(
        r=0.243, alpha=4.414, a=0.793, b=2.426, unit_days=7, log_likelihood=0, customers=0
    ),
    gamma_gamma=GammaGammaParams(p=6.25, q=3.74, gamma=15.44, log_likelihood=0, customers=0),
)


def in_days() -> Summaries:
    """Three members, counted in days: new (one purchase), steady, and gone quiet."""
    return Summaries(
        as_of=date(2026, 3, 1),
        unit_days=1,
        member_ids=np.array([11, 12, 13], dtype=np.int64),
        frequency=np.array([0.0, 6.0, 6.0]),
        recency=np.array([0.0, 250.0, 40.0]),
        age=np.array([30.0, 260.0, 260.0]),
        monetary_value=np.array([0.0, 20.0, 20.0]),
        total_value=np.array([35.0, 155.0, 155.0]),
    )


def test_scores_are_expected_purchases_times_expected_value_in_the_fits_unit() -> None:
    scores = clv_score(WEEKLY, in_days())
    assert scores.member_ids.tolist() == [11, 12, 13]
    x = np.array([0.0, 6.0, 6.0])
    t_x, T = np.array([0.0, 250.0, 40.0]) / 7, np.array([30.0, 260.0, 260.0]) / 7
    bg, gg = WEEKLY.bgnbd, WEEKLY.gamma_gamma
    purchases = bgnbd_expected_purchases(bg, 365 / 7, x, t_x, T)
    # Gamma-Gamma's posterior mean, written out: the population mean for the new member.
    value = np.array(
        [
            gg.p * gg.gamma / (gg.q - 1),
            gg.p * (gg.gamma + 6 * 20) / (gg.p * 6 + gg.q - 1),
            gg.p * (gg.gamma + 6 * 20) / (gg.p * 6 + gg.q - 1),
        ]
    )
    assert scores.p_alive == pytest.approx(bgnbd_p_alive(bg, x, t_x, T))
    assert scores.expected_purchases == pytest.approx(purchases)
    assert scores.expected_value == pytest.approx(value)
    assert scores.clv_365d == pytest.approx(purchases * value)
    # The same members already counted in weeks score the same.
    weeks = clv_score(WEEKLY, in_days().in_unit(7))
    assert weeks.clv_365d == pytest.approx(scores.clv_365d)


def test_a_member_who_never_came_back_is_alive_and_quiet_members_fade() -> None:
    scores = clv_score(WEEKLY, in_days())
    assert scores.p_alive[0] == 1.0
    steady, quiet = scores.p_alive[1], scores.p_alive[2]
    assert 0 < quiet < steady < 1
    assert scores.clv_365d[2] < scores.clv_365d[1]


def test_another_horizon_is_not_read_as_365_days() -> None:
    scores = clv_score(WEEKLY, in_days(), horizon_days=90)
    assert scores.horizon_days == 90
    assert (scores.clv < clv_score(WEEKLY, in_days()).clv).all()
    with pytest.raises(ValueError):
        _ = scores.clv_365d
