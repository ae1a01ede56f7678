"""Follow-to-win lotteries: entry rules, the committed seed, one draw, fair and verifiable."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from scipy.stats import chisquare

from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.growth.draw import draw_winners, entry_rank, seed_commitment
from omniloop.growth.lottery import (
    LotteryInput,
    lottery_create,
    lottery_draw,
    lottery_enter,
    lottery_verify,
)
from omniloop.growth.models import Lottery, LotteryEntry
from omniloop.messaging.models import Message
from omniloop.onboarding.services import scan_visit
from omniloop.promotions.models import Coupon
from omniloop.touchpoints.services import visitor_link
from omniloop.wechat.followers import follower_get_or_create, follower_link_member
from omniloop.wechat.models import WechatFollower
from tests.factories import make_member
from tests.growth.helpers import browser
from tests.promotions.coupon_helpers import make_template

pytestmark = pytest.mark.django_db


def _lottery(winners: int = 2, *, follow: bool = False, **kw) -> Lottery:
    now = clock.now()
    return lottery_create(
        data=LotteryInput(
            title="关注抽奖",
            coupon_template_id=make_template(name="大奖券").pk,
            winners=winners,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1),
            requires_follow=follow,
            **kw,
        )
    )


def _follow(member) -> None:
    follower, _ = follower_get_or_create(openid=f"o-{member.pk}", at=clock.now())
    follower_link_member(follower=follower, member=member)
    WechatFollower.objects.filter(pk=follower.pk).update(subscribed=True)


def _code(fn) -> str:
    with pytest.raises(ApplicationError) as exc:
        fn()
    return exc.value.code


def test_the_seed_is_committed_at_creation_and_hidden_until_the_draw():
    lottery = _lottery()
    assert lottery.seed == "" and len(lottery.seed_hash) == 64
    assert bytes(lottery.seed_cipher) and lottery.seed_hash.encode() not in bytes(
        lottery.seed_cipher
    )


def test_bad_lottery_input_is_refused_and_writes_nothing():
    now = clock.now()
    template = make_template()

    def make(**kw):
        fields = dict(
            title="x",
            coupon_template_id=template.pk,
            winners=1,
            opens_at=now,
            closes_at=now + timedelta(days=1),
        )
        fields.update(kw)
        return lambda: lottery_create(data=LotteryInput(**fields))

    assert _code(make(winners=0)) == "lottery_winners_invalid"
    assert _code(make(closes_at=now - timedelta(days=1))) == "lottery_window_invalid"
    assert _code(make(coupon_template_id=999999)) == "lottery_template_invalid"
    assert _code(make(title=" ")) == "lottery_title_required"
    assert Lottery.objects.count() == 0


def test_entries_are_refused_with_codes_and_only_one_per_member():
    lottery = _lottery(follow=True)
    fan, stranger = make_member(), make_member()
    _follow(fan)
    lottery_enter(lottery_id=lottery.pk, member=fan)
    assert _code(lambda: lottery_enter(lottery_id=lottery.pk, member=fan)) == (
        "lottery_entry_duplicate"
    )
    assert _code(lambda: lottery_enter(lottery_id=lottery.pk, member=stranger)) == (
        "lottery_follow_required"
    )
    late = lottery.closes_at + timedelta(seconds=1)
    _follow(other := make_member())
    assert _code(lambda: lottery_enter(lottery_id=lottery.pk, member=other, at=late)) == (
        "lottery_closed"
    )
    early = lottery.opens_at - timedelta(seconds=1)
    assert _code(lambda: lottery_enter(lottery_id=lottery.pk, member=other, at=early)) == (
        "lottery_not_open"
    )
    assert _code(lambda: lottery_enter(lottery_id=999999, member=other)) == "lottery_not_found"
    assert LotteryEntry.objects.filter(lottery=lottery).count() == 1


def test_scanning_the_lottery_code_enters_a_known_member():
    lottery = _lottery()
    member = make_member()
    visitor = browser()
    visitor_link(visitor=visitor, member=member)
    scan_visit(scene=lottery.touchpoint.scene, visitor=visitor)
    scan_visit(scene=lottery.touchpoint.scene, visitor=visitor)  # again: still one entry
    [entry] = LotteryEntry.objects.filter(lottery=lottery)
    assert (entry.member_id, entry.source) == (member.pk, "scan")
    # An anonymous scan enters nobody.
    scan_visit(scene=lottery.touchpoint.scene, visitor=browser())
    assert LotteryEntry.objects.filter(lottery=lottery).count() == 1


def test_the_draw_happens_once_after_closing_and_verifies_from_its_record():
    lottery = _lottery(winners=2)
    members = [make_member() for _ in range(5)]
    for m in members:
        lottery_enter(lottery_id=lottery.pk, member=m)
    assert _code(lambda: lottery_draw(lottery_id=lottery.pk)) == "lottery_entries_open"
    after = lottery.closes_at + timedelta(minutes=1)
    first = lottery_draw(lottery_id=lottery.pk, at=after)
    again = lottery_draw(lottery_id=lottery.pk, at=after + timedelta(hours=1))
    assert not first.already_drawn and again.already_drawn
    assert again.winner_ids == first.winner_ids and len(first.winner_ids) == 2
    # The revealed seed is the committed one; the winners are the lowest hash ranks.
    assert hashlib.sha256(first.seed.encode()).hexdigest() == lottery.seed_hash
    ids = sorted(first.entry_ids)
    expected = sorted(ids, key=lambda i: hashlib.sha256(f"{first.seed}:{i}".encode()).hexdigest())
    assert first.winner_ids == expected[:2]
    # Each winner got one coupon and one queued message; nobody else did.
    winners = LotteryEntry.objects.filter(pk__in=first.winner_ids)
    assert Coupon.objects.filter(source="lottery").count() == 2
    assert set(Coupon.objects.filter(source="lottery").values_list("member_id", flat=True)) == {
        e.member_id for e in winners
    }
    assert Message.objects.filter(template="lottery_won").count() == 2
    assert LotteryEntry.objects.filter(won=True).count() == 2
    v = lottery_verify(lottery_id=lottery.pk)
    assert v.ok and v.recomputed == first.winner_ids
    call_command("lottery_verify", str(lottery.pk))


def test_a_tampered_record_fails_verification():
    lottery = _lottery(winners=1)
    for _ in range(4):
        lottery_enter(lottery_id=lottery.pk, member=make_member())
    result = lottery_draw(lottery_id=lottery.pk, at=lottery.closes_at)
    loser = next(i for i in result.entry_ids if i not in result.winner_ids)
    Lottery.objects.filter(pk=lottery.pk).update(winner_ids=[loser])
    v = lottery_verify(lottery_id=lottery.pk)
    assert not v.ok and v.seed_matches_commitment and not v.winners_match
    with pytest.raises(CommandError):
        call_command("lottery_verify", str(lottery.pk))
    Lottery.objects.filter(pk=lottery.pk).update(winner_ids=result.winner_ids, seed="0" * 64)
    assert not lottery_verify(lottery_id=lottery.pk).seed_matches_commitment


def test_fewer_entries_than_prizes_all_win_and_an_empty_draw_is_recorded():
    lottery = _lottery(winners=3)
    m = make_member()
    lottery_enter(lottery_id=lottery.pk, member=m)
    assert lottery_draw(lottery_id=lottery.pk, at=lottery.closes_at).winner_ids == [
        LotteryEntry.objects.get(member=m).pk
    ]
    empty = _lottery(winners=3)
    assert lottery_draw(lottery_id=empty.pk, at=empty.closes_at).winner_ids == []


def test_draw_winners_is_order_independent_and_changes_with_the_seed():
    ids = list(range(100, 140))
    a = draw_winners(seed="aa" * 32, entry_ids=ids, k=5)
    assert a == draw_winners(seed="aa" * 32, entry_ids=list(reversed(ids)), k=5)
    assert a != draw_winners(seed="ab" * 32, entry_ids=ids, k=5)
    assert len(set(a)) == 5 and set(a) <= set(ids)
    assert seed_commitment("aa" * 32) == hashlib.sha256(("aa" * 32).encode()).hexdigest()
    # A known answer, so the function cannot drift silently.
    assert entry_rank("00" * 32, 1) == hashlib.sha256(("00" * 32 + ":1").encode()).hexdigest()


def test_every_eligible_entry_has_the_same_chance():
    """Over 3,000 seeds, 12 entries and 3 prizes, each entry wins about 750 times: a
    chi-square test on the win counts (a biased rank, e.g. lowest ids first, fails it)."""
    ids = [7, 8, 9, 20, 21, 22, 300, 301, 302, 4000, 4001, 4002]
    wins: Counter[int] = Counter()
    seeds = 3000
    for s in range(seeds):
        seed = hashlib.sha256(f"test-seed-{s}".encode()).hexdigest()
        wins.update(draw_winners(seed=seed, entry_ids=ids, k=3))
    observed = [wins[i] for i in ids]
    assert sum(observed) == 3 * seeds
    assert chisquare(observed).pvalue > 0.001
    # The harness catches a biased draw.
    biased = Counter()
    for s in range(seeds):
        biased.update([*sorted(ids)[:2], ids[s % len(ids)]])
    assert chisquare([biased[i] for i in ids]).pvalue < 1e-6
