from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from omniloop.settlement.allocation import allocate, take_back

weights = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=4).filter(
    lambda w: sum(w) > 0
)


@given(st.integers(min_value=0, max_value=10**9), weights)
def test_a_split_sums_to_the_whole_and_each_part_is_within_a_cent_of_its_share(total, ws):
    parts = allocate(total, ws)
    assert sum(parts) == total
    for part, w in zip(parts, ws, strict=True):
        exact = Fraction(total * w, sum(ws))
        assert abs(part - exact) < 1
        assert part >= 0 and (w > 0 or part == 0)


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=4), st.data())
def test_taking_back_never_exceeds_what_a_party_holds(balances, data):
    amount = data.draw(st.integers(min_value=0, max_value=sum(balances)))
    if sum(balances) == 0:
        assert take_back(0, balances) == balances
        return
    parts = take_back(amount, balances)
    assert sum(parts) == amount
    assert all(0 <= p <= b for p, b in zip(parts, balances, strict=True))


def test_the_leftover_cent_goes_to_the_largest_remainder_then_the_earlier_party():
    assert allocate(99901, [7000, 3000]) == [69931, 29970]
    assert allocate(1, [5000, 5000]) == [1, 0]
    assert allocate(2, [3334, 3333, 3333]) == [1, 1, 0]
