"""openid-to-unionid merging (ADR 31): a follower whose unionid becomes known (user/info on
subscribe, through the real callback, wechatpy-encrypted) while another member already holds
that unionid (a mini program, another account) is one person: the two members are merged by
the members merge rules, the earlier one surviving; when both hold (different) phones staff
decide, and nothing is merged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.audit.models import AuditEvent
from omniloop.core import clock
from omniloop.members.models import IdentityKind, Member, MemberIdentity, MemberMerge
from omniloop.members.services import identity_attach
from omniloop.wechat.models import WechatFollower, WechatUnionidConflict
from tests.factories import make_member
from tests.wechat import wire
from tests.wechat.conftest import APP_ID
from tests.wechat.helpers import now_ts, post_safe

pytestmark = pytest.mark.django_db
UNIONID = "u-mini-program-1"


def _mini_program_member(*, phone: bool, days_ago: int) -> Member:
    member = make_member()
    if not phone:
        MemberIdentity.objects.filter(member=member, kind=IdentityKind.PHONE).delete()
    Member.objects.filter(pk=member.pk).update(joined_at=clock.now() - timedelta(days=days_ago))
    identity_attach(member=member, kind=IdentityKind.WECHAT_UNIONID, value=UNIONID, source="mp")
    return Member.objects.get(pk=member.pk)


def _account_member(openid: str, *, phone: bool, days_ago: int) -> Member:
    member = make_member()
    if not phone:
        MemberIdentity.objects.filter(member=member, kind=IdentityKind.PHONE).delete()
    Member.objects.filter(pk=member.pk).update(joined_at=clock.now() - timedelta(days=days_ago))
    MemberIdentity.objects.create(
        member=member, kind=IdentityKind.WECHAT_OPENID, namespace=APP_ID, value=openid
    )
    return Member.objects.get(pk=member.pk)


def _subscribes(client, wechat_safe, openid: str) -> None:
    wechat_safe.unionids[openid] = UNIONID
    xml = wire.event_xml(openid=openid, event="subscribe", create_time=now_ts())
    r = post_safe(client, xml, by="wechatpy")
    assert (r.status_code, r.content) == (200, b"success")


def test_the_same_user_on_two_members_is_merged_into_the_earlier(client, wechat_safe):
    mini = _mini_program_member(phone=True, days_ago=30)
    account = _account_member("o-both", phone=False, days_ago=1)
    _subscribes(client, wechat_safe, "o-both")
    account.refresh_from_db()
    assert (account.status, account.merged_into_id) == (Member.Status.MERGED, mini.pk)
    follower = WechatFollower.objects.get(openid="o-both")
    assert (follower.member_id, follower.unionid) == (mini.pk, UNIONID)
    kinds = set(MemberIdentity.objects.filter(member=mini).values_list("kind", flat=True))
    assert {IdentityKind.WECHAT_OPENID, IdentityKind.WECHAT_UNIONID, IdentityKind.PHONE} <= kinds
    merge = MemberMerge.objects.get()
    assert (merge.survivor_id, merge.merged_id, merge.actor) == (
        mini.pk,
        account.pk,
        "wechat:unionid",
    )
    assert not WechatUnionidConflict.objects.exists()


def test_the_account_member_survives_when_it_joined_first(client, wechat_safe):
    mini = _mini_program_member(phone=False, days_ago=2)
    account = _account_member("o-old", phone=True, days_ago=90)
    _subscribes(client, wechat_safe, "o-old")
    mini.refresh_from_db()
    assert (mini.status, mini.merged_into_id) == (Member.Status.MERGED, account.pk)
    assert MemberIdentity.objects.get(kind=IdentityKind.WECHAT_UNIONID).member_id == account.pk
    assert WechatFollower.objects.get(openid="o-old").member_id == account.pk


def test_conflicting_phones_are_flagged_for_staff_and_nothing_is_merged(client, wechat_safe):
    mini = _mini_program_member(phone=True, days_ago=30)
    account = _account_member("o-two", phone=True, days_ago=1)
    _subscribes(client, wechat_safe, "o-two")
    mini.refresh_from_db()
    account.refresh_from_db()
    assert mini.status == account.status == Member.Status.ACTIVE
    assert not MemberMerge.objects.exists()
    conflict = WechatUnionidConflict.objects.get()
    assert (conflict.member_id, conflict.other_id, conflict.unionid) == (
        account.pk,
        mini.pk,
        UNIONID,
    )
    assert conflict.resolved_at is None
    assert (
        AuditEvent.objects.filter(
            action="wechat.unionid_conflict", code="unionid_phones_conflict"
        ).count()
        == 1
    )
    # The unionid stays with the member who had it; the follower keeps its own member.
    assert MemberIdentity.objects.get(kind=IdentityKind.WECHAT_UNIONID).member_id == mini.pk
    assert WechatFollower.objects.get(openid="o-two").member_id == account.pk
    # HQ sees it on both members' pages, beside the merge form.
    from django.urls import reverse

    from omniloop.accounts.models import Role
    from tests.factories import make_user

    client.force_login(make_user(Role.HQ_ADMIN))
    for here, there in ((account, mini), (mini, account)):
        html = client.get(reverse("dashboard:member_detail", args=[here.pk])).content.decode()
        start = html.index('data-testid="unionid-conflicts"')
        assert there.code in html[start : html.index("</div>", start)]


def test_staff_merging_the_flagged_pair_resolves_the_conflict_and_moves_cards(client, wechat_safe):
    from omniloop.members.privacy import member_erase, member_export
    from omniloop.members.services import member_merge
    from omniloop.wechat.models import WechatMemberCard

    mini = _mini_program_member(phone=True, days_ago=30)
    account = _account_member("o-staff", phone=True, days_ago=1)
    _subscribes(client, wechat_safe, "o-staff")
    WechatMemberCard.objects.create(
        card_id="pCARD", code="770", openid="o-staff", member=account, state="active"
    )
    outcome = member_merge(survivor_id=mini.pk, merged_id=account.pk, actor="hq", reason="same")
    assert outcome.moved["wechat_cards"] == 1
    assert outcome.moved["wechat_unionid_conflicts_resolved"] == 1
    assert WechatUnionidConflict.objects.get().resolved_at is not None
    assert WechatMemberCard.objects.get().member_id == mini.pk
    assert WechatFollower.objects.get(openid="o-staff").member_id == mini.pk
    assert member_export(member_id=mini.pk)["sections"]["wechat"][-1]["card_code"] == "770"
    member_erase(member_id=mini.pk, reason="asked")
    assert not WechatMemberCard.objects.exists()
    assert not WechatUnionidConflict.objects.exists()


def test_joining_with_a_unionid_known_elsewhere_merges_too(wechat_safe):
    from omniloop.touchpoints.models import Visitor
    from omniloop.wechat.followers import follower_on_visitor_link

    mini = _mini_program_member(phone=False, days_ago=30)
    joiner = make_member()  # joined through the H5 with the follower's join link
    visitor = Visitor.objects.create(key="k-join", created_at=clock.now())
    WechatFollower.objects.create(
        openid="o-join", unionid=UNIONID, visitor=visitor, subscribed=True, created_at=clock.now()
    )
    follower_on_visitor_link(visitor, joiner)
    joiner.refresh_from_db()
    assert (joiner.status, joiner.merged_into_id) == (Member.Status.MERGED, mini.pk)
    assert WechatFollower.objects.get(openid="o-join").member_id == mini.pk
    assert MemberIdentity.objects.get(kind=IdentityKind.WECHAT_OPENID).member_id == mini.pk
