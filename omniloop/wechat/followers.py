"""Followers (公众号粉丝) and their link to members.

A follower is found by openid; its member, when we know it, by the openid (or unionid)
identity. Until then its scans sit on a visitor of its own (`WechatFollower.visitor`), exactly
like a browser's, and are replayed through the binding rules when that visitor is linked: on
joining through the H5 with the follower's join link (`follower_join_token`), or here, when a
member's openid is already known."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from django.core import signing
from django.db import IntegrityError, transaction

from omniloop.audit.services import audit_record
from omniloop.core import clock
from omniloop.core.errors import Conflict
from omniloop.members.models import IdentityKind, Member, MemberIdentity
from omniloop.members.selectors import member_by_identity
from omniloop.members.services import identity_attach, member_merge
from omniloop.onboarding.services import visitor_claim
from omniloop.touchpoints.models import Visitor
from omniloop.wechat.adapter import wechat_config
from omniloop.wechat.models import WechatFollower, WechatUnionidConflict

log = logging.getLogger(__name__)
JOIN_SALT = "omniloop.wechat.join"
JOIN_MAX_AGE = 30 * 24 * 3600


def follower_get_or_create(*, openid: str, at: datetime) -> tuple[WechatFollower, bool]:
    """The follower for `openid`, locked, created (with its visitor and, if the openid or
    unionid is a member's, that member) on first sight. Safe when two callbacks race."""
    follower = WechatFollower.objects.select_for_update().filter(openid=openid).first()
    if follower is not None:
        return follower, False
    try:
        with transaction.atomic():
            visitor = Visitor.objects.create(key=str(uuid.uuid4()), created_at=at)
            follower = WechatFollower.objects.create(openid=openid, visitor=visitor, created_at=at)
    except IntegrityError:
        return WechatFollower.objects.select_for_update().get(openid=openid), False
    member = member_by_identity(
        kind=IdentityKind.WECHAT_OPENID, value=openid, namespace=wechat_config().app_id
    )
    if member is not None:
        follower_link_member(follower=follower, member=member)
    return follower, True


def _attach_identities(follower: WechatFollower, member: Member) -> None:
    app_id = wechat_config().app_id
    try:
        identity_attach(
            member=member,
            kind=IdentityKind.WECHAT_OPENID,
            value=follower.openid,
            namespace=app_id,
            source="wechat",
        )
    except Conflict:
        # The openid already leads to another member: a merge for staff to decide, not ours.
        log.warning("wechat follower %s: openid held by another member", follower.pk)
        return
    follower.member = member
    WechatFollower.objects.filter(pk=follower.pk).update(member=member)
    if not follower.unionid:
        return
    holder = member_by_identity(kind=IdentityKind.WECHAT_UNIONID, value=follower.unionid)
    if holder is not None and holder.pk != member.pk:
        # The same WeChat user is another member too (a mini program, another account).
        unionid_reconcile(follower=follower, member=member, other=holder)
    elif holder is None:
        identity_attach(
            member=member, kind=IdentityKind.WECHAT_UNIONID, value=follower.unionid, source="wechat"
        )


def follower_link_member(*, follower: WechatFollower, member: Member) -> None:
    """Link a follower to a member: the openid (and unionid) become the member's identities and
    the follower's anonymous store scans are replayed through the binding rules, oldest first."""
    with transaction.atomic():
        _attach_identities(follower, member)
        visitor = Visitor.objects.get(pk=follower.visitor_id)
        if visitor.member_id is None:
            visitor_claim(visitor=visitor, member=member, source="wechat_scan")


def follower_on_visitor_link(visitor: Visitor, member: Member) -> None:
    """`touchpoints.links` handler: a follower's visitor was linked (the follower joined through
    the H5 with its join link), so the follower now leads to that member."""
    follower = WechatFollower.objects.filter(visitor=visitor, member__isnull=True).first()
    if follower is not None:
        _attach_identities(follower, member)


def follower_member(*, follower: WechatFollower) -> Member | None:
    if follower.member_id is None:
        return None
    return Member.objects.filter(pk=follower.member_id, status=Member.Status.ACTIVE).first()


def follower_join_token(*, follower: WechatFollower) -> str:
    """A signed token for the H5 join link (`/m/join?wx=...`), valid 30 days."""
    return signing.dumps({"f": follower.pk}, salt=JOIN_SALT, compress=True)


def follower_visitor_key(*, token: str) -> str | None:
    """The visitor key a join link stands for, or None for a bad or old token."""
    try:
        data = signing.loads(token, salt=JOIN_SALT, max_age=JOIN_MAX_AGE)
    except signing.BadSignature:
        return None
    follower = WechatFollower.objects.select_related("visitor").filter(pk=data.get("f")).first()
    return follower.visitor.key if follower is not None else None


def follower_set_unionid(*, follower: WechatFollower, unionid: str) -> None:
    """Record the follower's unionid (from `user/info`); a member known by it (from another
    account or a mini program of the brand) is linked if the follower has none yet."""
    if not unionid or follower.unionid == unionid:
        return
    follower.unionid = unionid
    WechatFollower.objects.filter(pk=follower.pk).update(unionid=unionid)
    member = follower_member(follower=follower)
    if member is None:
        member = member_by_identity(kind=IdentityKind.WECHAT_UNIONID, value=unionid)
        if member is not None:
            follower_link_member(follower=follower, member=member)
        return
    _attach_identities(follower, member)  # merges with the unionid's member, or flags it


def _phone_index(member: Member) -> str | None:
    return (
        MemberIdentity.objects.filter(member=member, kind=IdentityKind.PHONE)
        .order_by("created_at")
        .values_list("value", flat=True)
        .first()
    )


def unionid_reconcile(*, follower: WechatFollower, member: Member, other: Member) -> str:
    """The follower's member and another member share one unionid (the same WeChat user,
    known by a mini program or another account): one person, so they are merged by the
    members merge rules (`member_merge`, every app's rows follow), the member who joined first
    surviving. When both hold a phone the phones differ (a phone leads to one member), so
    which is right is for staff: a `WechatUnionidConflict` is recorded and nothing merged.
    Returns "merged", "flagged" or "skipped" (the other member is no longer active)."""
    if other.status != Member.Status.ACTIVE or member.status != Member.Status.ACTIVE:
        log.warning("wechat follower %s: unionid on inactive member %s", follower.pk, other.pk)
        return "skipped"
    phones = _phone_index(member), _phone_index(other)
    if phones[0] is not None and phones[1] is not None:
        _, created = WechatUnionidConflict.objects.get_or_create(
            member=member,
            other=other,
            defaults={"follower": follower, "unionid": follower.unionid, "created_at": clock.now()},
        )
        if created:
            audit_record(
                action="wechat.unionid_conflict",
                target_type="member",
                target_id=member.pk,
                summary=f"unionid also on member {other.pk}; both have phones",
                code="unionid_phones_conflict",
            )
        log.info(
            "wechat follower %s: unionid shared with member %s, flagged", follower.pk, other.pk
        )
        return "flagged"
    first, second = sorted((member, other), key=lambda m: (m.joined_at, m.pk))
    member_merge(
        survivor_id=first.pk,
        merged_id=second.pk,
        actor="wechat:unionid",
        reason="The same WeChat user (unionid) on two members",
    )
    follower.member_id = first.pk
    survivor = Member.objects.get(pk=first.pk)
    _attach_identities(follower, survivor)
    return "merged"


def follower_link_by_token(*, token: str, member: Member) -> bool:
    """A signed-in member opened their join link: link the follower if it has no member yet."""
    try:
        data = signing.loads(token, salt=JOIN_SALT, max_age=JOIN_MAX_AGE)
    except signing.BadSignature:
        return False
    with transaction.atomic():
        follower = WechatFollower.objects.select_for_update().filter(pk=data.get("f")).first()
        if follower is None or follower.member_id is not None:
            return False
        follower_link_member(follower=follower, member=member)
    return True


def follower_touch(*, follower: WechatFollower, at: datetime) -> None:
    """The user wrote, tapped, followed or scanned: the 48-hour window opens again."""
    if follower.last_interaction_at is None or follower.last_interaction_at < at:
        follower.last_interaction_at = at
        WechatFollower.objects.filter(pk=follower.pk).update(last_interaction_at=at)


def merge_move_followers(survivor: Member, merged: Member) -> int:
    return WechatFollower.objects.filter(member=merged).update(member=survivor)
