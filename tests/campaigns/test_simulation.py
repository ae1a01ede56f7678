"""The estimator against a brand whose true campaign effect is known.

Members come back in the window with probability `p` and spend a skewed (log-normal) amount
when they do; treated members come back with probability `p + uplift`. The true lift in
revenue per member is then `uplift * E[spend]`, exactly. Vectorised over many seeds: the 95 %
Welch interval must cover the true lift in at least 90 % of them (it should be about 95 %), and
with no effect it must call the result significant about 5 % of the time. A few seeds go all the
way through the database (launch, orders, report) and must give the estimator's numbers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from freezegun import freeze_time

from omniloop.campaigns.estimator import welch, welch_many
from omniloop.campaigns.models import CampaignMember
from omniloop.campaigns.report import campaign_figures
from omniloop.core import clock
from tests.campaigns.helpers import everyone_segment, launched, make_members, orders_bulk

MU, SIGMA = np.log(60.0), 0.8
MEAN_SPEND = float(np.exp(MU + SIGMA**2 / 2))
BASE_P = 0.30


def simulate(rng: np.random.Generator, reps: int, n_t: int, n_h: int, uplift: float):
    """Per-member revenue for `reps` brands: (reps, n_t) treated and (reps, n_h) holdout."""
    spend_t = rng.lognormal(MU, SIGMA, size=(reps, n_t))
    spend_h = rng.lognormal(MU, SIGMA, size=(reps, n_h))
    came_t = rng.random((reps, n_t)) < BASE_P + uplift
    came_h = rng.random((reps, n_h)) < BASE_P
    return np.where(came_t, spend_t, 0.0), np.where(came_h, spend_h, 0.0)


@pytest.mark.parametrize(("n_t", "n_h"), [(900, 100), (1500, 500)])
def test_the_interval_covers_the_true_lift_at_its_stated_rate(n_t, n_h):
    rng = np.random.default_rng(20261202)
    uplift = 0.08
    true_lift = uplift * MEAN_SPEND
    t, h = simulate(rng, 2000, n_t, n_h, uplift)
    r = welch_many(t, h)
    covered = (r["low"] <= true_lift) & (true_lift <= r["high"])
    assert 0.90 <= covered.mean() <= 0.98, covered.mean()
    # The point estimate is unbiased: its mean over the seeds is within 4 standard errors.
    se = r["diff"].std(ddof=1) / np.sqrt(r["diff"].size)
    assert abs(r["diff"].mean() - true_lift) < 4 * se


@pytest.mark.parametrize(
    ("n_t", "n_h", "most"),
    [
        (1500, 500, 0.07),
        # Known and documented (ADR 30): with a holdout of only 100 members the skew of its
        # mean makes Welch's interval somewhat liberal (7.0-7.6 % measured over seeds), which
        # is why the report flags a holdout under 300 members.
        (900, 100, 0.09),
    ],
)
def test_no_effect_is_significant_about_as_often_as_the_level_says(n_t, n_h, most):
    rng = np.random.default_rng(7)
    t, h = simulate(rng, 4000, n_t, n_h, 0.0)
    r = welch_many(t, h)
    significant = ~((r["low"] <= 0) & (r["high"] >= 0))
    # 5 % expected; the standard error over 4000 seeds is 0.34 %.
    assert 0.035 <= significant.mean() <= most, significant.mean()
    assert np.array_equal(significant, r["p_value"] < 0.05)


def test_a_real_effect_is_found_most_of_the_time():
    rng = np.random.default_rng(11)
    # A lift of 0.15 * E[spend] is about 3.5 standard errors here: power about 0.95.
    t, h = simulate(rng, 1000, 1500, 500, 0.15)
    r = welch_many(t, h)
    assert (r["low"] > 0).mean() > 0.85


def test_one_campaign_matches_the_matrix_form():
    rng = np.random.default_rng(3)
    t, h = simulate(rng, 1, 300, 80, 0.05)
    one = welch(t[0], h[0])
    many = welch_many(t, h)
    assert one is not None
    assert one.diff == pytest.approx(float(many["diff"][0]))
    assert (one.low, one.high) == pytest.approx((float(many["low"][0]), float(many["high"][0])))
    assert welch(t[0], h[0][:1]) is None


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_the_report_through_the_database_gives_the_estimators_numbers(seed):
    ids = np.array(make_members(600), dtype=np.int64)
    start = clock.now()
    with freeze_time(start):
        c = launched(everyone_segment(), holdout_share=Decimal("0.3"), window_days=7)
    groups = dict(CampaignMember.objects.filter(campaign=c).values_list("member_id", "group"))
    treated = np.array([groups[int(i)] == "treated" for i in ids])
    rng = np.random.default_rng(seed)
    spend = np.round(rng.lognormal(MU, SIGMA, size=ids.size), 2)
    came = rng.random(ids.size) < np.where(treated, BASE_P + 0.1, BASE_P)
    revenue = np.where(came, spend, 0.0)
    orders_bulk(ids, revenue, start + timedelta(days=2))
    orders_bulk(ids, revenue, start + timedelta(days=8))  # after the window: not counted
    orders_bulk(ids, revenue, start - timedelta(days=1))  # before the launch: not counted

    figures = campaign_figures(c, at=start + timedelta(days=9))

    expected = welch(revenue[treated], revenue[~treated])
    assert expected is not None
    got = figures["revenue"]
    assert got["diff"] == pytest.approx(expected.diff, abs=1e-3)
    assert (got["low"], got["high"]) == pytest.approx((expected.low, expected.high), abs=1e-3)
    assert figures["incremental_revenue"]["value"] == pytest.approx(
        expected.diff * treated.sum(), abs=0.5
    )
    visits = welch(came[treated].astype(float), came[~treated].astype(float))
    assert visits is not None
    assert figures["visits"]["diff"] == pytest.approx(visits.diff, abs=1e-3)
    assert figures["final"] is True
