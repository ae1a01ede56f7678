"""Holdout assignment: stable (same salt, same ids, same groups, in any order and in one or many
calls), the share it promises, independent of member attributes (chi-square) and of the brand
control group's draw."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from scipy import stats

from omniloop.campaigns.holdout import draw, draws, held_out
from omniloop.campaigns.models import CampaignMember
from omniloop.campaigns.services import assign_groups
from omniloop.members.models import Member
from tests.campaigns.helpers import approved, everyone_segment, make_members

SALT = 0x1234_5678_9ABC_DEF


def test_draws_are_stable_and_the_vector_form_equals_the_scalar_form():
    ids = np.arange(1, 5001, dtype=np.int64)
    u = draws(SALT, ids)
    assert np.array_equal(u, draws(SALT, ids))
    shuffled = np.random.default_rng(1).permutation(ids)
    assert np.array_equal(draws(SALT, shuffled), u[shuffled - 1])
    assert [draw(SALT, int(i)) for i in ids[:300]] == u[:300].tolist()
    assert ((u >= 0) & (u < 1)).all()
    # Another salt is another split.
    assert np.mean(held_out(SALT, 0.5, ids) == held_out(SALT + 1, 0.5, ids)) < 0.6


@pytest.mark.parametrize("share", [0.05, 0.1, 0.3, 0.5])
def test_the_share_held_out_is_the_share_asked(share):
    ids = np.arange(10_000, 110_000, dtype=np.int64)
    k = int(held_out(SALT, share, ids).sum())
    assert stats.binomtest(k, ids.size, share).pvalue > 0.001


def test_draws_look_uniform_over_many_salts_and_consecutive_ids():
    ids = np.arange(1, 20_001, dtype=np.int64)
    pvalues = [stats.kstest(draws(salt, ids), "uniform").pvalue for salt in range(1, 41)]
    # Under uniformity the p-values are uniform themselves: about 1 in 20 below 0.05.
    assert sum(p < 0.05 for p in pvalues) <= 6
    assert stats.kstest(pvalues, "uniform").pvalue > 0.001


def test_campaign_and_brand_control_draws_are_independent():
    ids = np.arange(1, 50_001, dtype=np.int64)
    a = held_out(11, 0.2, ids)
    b = held_out(987654321, 0.2, ids)
    table = np.array([[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]])
    assert stats.chi2_contingency(table).pvalue > 0.001


@pytest.mark.django_db
def test_groups_are_unbiased_over_member_attributes_and_stable_across_reruns():
    make_members(1800)
    c = approved(everyone_segment(), holdout_share=Decimal("0.3"))
    members = list(Member.objects.order_by("pk").values_list("pk", "tier", "gender", "city"))
    ids = np.array([m[0] for m in members], dtype=np.int64)
    groups = assign_groups(c, ids)
    assert np.array_equal(groups, assign_groups(c, ids[::-1])[::-1])
    for column in (1, 2, 3):
        values = sorted({m[column] for m in members})
        table = np.array(
            [
                [
                    sum(
                        1
                        for m, g in zip(members, groups, strict=True)
                        if m[column] == v and g == grp
                    )
                    for v in values
                ]
                for grp in ("treated", "holdout")
            ]
        )
        assert stats.chi2_contingency(table).pvalue > 0.001, (column, table)
    # The launch writes exactly these groups.
    from omniloop.campaigns.services import campaign_launch

    campaign_launch(campaign=c)
    stored = dict(CampaignMember.objects.filter(campaign=c).values_list("member_id", "group"))
    assert [stored[int(i)] for i in ids] == groups.tolist()
