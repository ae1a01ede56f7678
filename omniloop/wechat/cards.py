"""Membership cards (会员卡): activation (开卡) carrying our member through `outer_str`, and
the card-bag events (ADR 31).

We hand WeChat's card-open link an `outer_str`: a token signed with the server key naming the
touchpoint the card was offered at (its scene) and, when known, our member. WeChat returns it
on our activation URL (the H5 page `/m/card/activate`) with `card_id` and `encrypt_code`. The
activation then: checks the token; asks WeChat for the code (`card/code/decrypt`) and for who
holds it (`card/code/get`, so the openid is WeChat's word, not the URL's); activates the card
(`card/membercard/activate`) with our member code as the membership number; and, in one
transaction, records the card, links the follower to the member and applies the binding rules
(ADR 4) for the touchpoint exactly as a scan of it would. The network calls come first, outside
the transaction; an activation repeated (a reload) finds the card active and calls nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db import transaction

from omniloop.attribution.services import binding_touch
from omniloop.core import clock
from omniloop.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from omniloop.members.models import Member
from omniloop.touchpoints.models import Visitor
from omniloop.touchpoints.services import scan_record, scene_resolve
from omniloop.wechat.adapter import WechatApi
from omniloop.wechat.errors import WechatApiError
from omniloop.wechat.followers import follower_get_or_create, follower_link_member
from omniloop.wechat.models import WechatFollower, WechatMemberCard, WechatUnionidConflict

CARD_SALT = "omniloop.wechat.card"
OUTER_STR_MAX = 128  # WeChat's limit on outer_str


@dataclass(frozen=True)
class CardContext:
    scene: str
    member_id: int | None


@dataclass(frozen=True)
class CardActivation:
    card_id: str
    code: str
    member_id: int
    openid: str
    binding: str  # the binding decision, "" without a store
    already: bool


def card_outer_str(*, scene: str = "", member_id: int | None = None) -> str:
    """The `outer_str` for a card-open link: the touchpoint's scene and our member, signed."""
    token = signing.Signer(salt=CARD_SALT).sign(f"{scene}.{member_id or ''}")
    if len(token) > OUTER_STR_MAX:
        raise ValidationFailed("The card token is too long.", code="card_token_invalid")
    return token


def card_context(outer_str: str) -> CardContext:
    """What an `outer_str` names; `card_token_invalid` (400) for anything we did not sign."""
    try:
        value = signing.Signer(salt=CARD_SALT).unsign(outer_str or "")
    except signing.BadSignature as exc:
        raise ApplicationError("This card link is not ours.", code="card_token_invalid") from exc
    scene, _, member = value.partition(".")
    return CardContext(scene=scene, member_id=int(member) if member.isdigit() else None)


def _member(ctx: CardContext, signed_in: Member | None) -> Member:
    member_id = ctx.member_id or (signed_in.pk if signed_in is not None else None)
    member = (
        Member.objects.filter(pk=member_id, status=Member.Status.ACTIVE).first()
        if member_id is not None
        else None
    )
    if member is None:
        raise PermissionDenied("Join or sign in to activate the card.", code="card_member_required")
    return member


def card_activate(
    *, card_id: str, encrypt_code: str, outer_str: str, signed_in: Member | None = None
) -> CardActivation:
    """Activate the card WeChat sent the user to us with (see the module's text)."""
    ctx = card_context(outer_str)
    member = _member(ctx, signed_in)
    if not card_id or not encrypt_code:
        raise ValidationFailed("The card link is incomplete.", code="card_link_incomplete")
    api = WechatApi()
    try:
        code = api.card_code_decrypt(encrypt_code=encrypt_code)
    except WechatApiError as exc:
        raise ApplicationError(
            "WeChat could not read this card.", code="card_code_invalid", status=400
        ) from exc
    card = WechatMemberCard.objects.filter(code=code).first()
    if card is not None and card.state == WechatMemberCard.State.ACTIVE:
        if card.member_id != member.pk:
            raise Conflict("This card belongs to another member.", code="card_other_member")
        return CardActivation(card_id, code, member.pk, card.openid, "", already=True)
    try:
        openid, _status = api.card_code_get(card_id=card_id, code=code)
    except WechatApiError as exc:  # a code of another card, or WeChat down
        if exc.retryable:
            raise
        raise ApplicationError(
            "WeChat could not read this card.", code="card_code_invalid", status=400
        ) from exc
    if not openid:
        raise ApplicationError("WeChat knows no holder.", code="card_code_invalid", status=400)
    holder = WechatFollower.objects.filter(openid=openid).exclude(member__isnull=True).first()
    if holder is not None and holder.member_id != member.pk:
        raise Conflict("This WeChat user is another member.", code="card_other_member")
    try:
        api.card_member_activate(card_id=card_id, code=code, membership_number=member.code)
    except WechatApiError as exc:
        raise ApplicationError(
            "WeChat refused to activate the card.", code="card_activate_failed", status=502
        ) from exc
    return _activated(card_id, code, openid, member, ctx, outer_str, clock.now())


def _activated(
    card_id: str,
    code: str,
    openid: str,
    member: Member,
    ctx: CardContext,
    outer_str: str,
    at: datetime,
) -> CardActivation:
    with transaction.atomic():
        WechatMemberCard.objects.update_or_create(
            code=code,
            defaults={
                "card_id": card_id,
                "openid": openid,
                "member": member,
                "state": WechatMemberCard.State.ACTIVE,
                "outer_str": outer_str[:OUTER_STR_MAX],
                "activated_at": at,
                "deleted_at": None,
            },
        )
        follower, _ = follower_get_or_create(openid=openid, at=at)
        if follower.member_id is None:
            follower_link_member(follower=follower, member=member)
        decision = ""
        if ctx.scene:  # as a scan of the touchpoint the card was offered at
            place = scene_resolve(scene=ctx.scene)
            visitor = Visitor.objects.get(pk=follower.visitor_id)
            scan_record(ctx=place, visitor=visitor, user_agent="wechat_card", at=at)
            if place.store_id is not None:
                decision = binding_touch(
                    member=member,
                    store_id=place.store_id,
                    assistant_id=place.assistant_id,
                    source="wechat_card",
                    touchpoint_id=place.touchpoint_id,
                    at=at,
                ).decision
    return CardActivation(card_id, code, member.pk, openid, str(decision), already=False)


def card_event(
    *, event: str, openid: str, card_id: str, code: str, outer_str: str, at: datetime
) -> str:
    """`user_get_card` (the card is in the bag) and `user_del_card` (the user deleted it)
    keep the member's card state; returns the outcome for `WechatInbound.outcome`."""
    if not code:
        return "card_no_code"
    card = WechatMemberCard.objects.select_for_update().filter(code=code).first()
    if event == "user_del_card":
        if card is None:
            return "card_unknown"
        card.state, card.deleted_at = WechatMemberCard.State.DELETED, at
        card.save(update_fields=["state", "deleted_at"])
        return "card_deleted"
    if card is None:
        member_id: int | None = None
        try:
            member_id = card_context(outer_str).member_id if outer_str else None
        except ApplicationError:
            member_id = None
        follower = WechatFollower.objects.filter(openid=openid).first()
        if member_id is None and follower is not None:
            member_id = follower.member_id
        WechatMemberCard.objects.create(
            card_id=card_id,
            code=code,
            openid=openid,
            member_id=member_id,
            state=WechatMemberCard.State.RECEIVED,
            outer_str=outer_str[:OUTER_STR_MAX],
            received_at=at,
        )
        return "card_received"
    if card.state == WechatMemberCard.State.DELETED:  # taken again after deleting
        card.state, card.received_at, card.deleted_at = WechatMemberCard.State.RECEIVED, at, None
        card.save(update_fields=["state", "received_at", "deleted_at"])
    return "card_received"


def merge_move_cards(survivor: Member, merged: Member) -> dict[str, int]:
    """Merge handler: the merged member's cards are the survivor's; a unionid conflict between
    the two is resolved by the merge, others follow the survivor."""
    pair = [survivor.pk, merged.pk]
    resolved = WechatUnionidConflict.objects.filter(
        member_id__in=pair, other_id__in=pair, resolved_at__isnull=True
    ).update(resolved_at=clock.now())
    return {
        "wechat_cards": WechatMemberCard.objects.filter(member=merged).update(member=survivor),
        "wechat_unionid_conflicts_resolved": resolved,
    }
