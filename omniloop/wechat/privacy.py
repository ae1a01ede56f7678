"""A member's WeChat data for their export and erasure (ADR 18). On erasure the openid and
unionid identities are suppressed by `members.privacy` (kept only as keyed digests); here the
follower rows and the callbacks they sent (payloads, and dedup keys that hold the openid) are
deleted. If the person still follows and writes again, a new anonymous follower is created; it
can be linked to a member only by the person's own re-join (suppression)."""

from __future__ import annotations

from typing import Any

from omniloop.members.models import Member
from omniloop.wechat.models import (
    WechatFollower,
    WechatInbound,
    WechatMemberCard,
    WechatUnionidConflict,
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def wechat_export(member: Member) -> list[dict[str, Any]]:
    followers = list(WechatFollower.objects.filter(member=member).order_by("created_at", "pk"))
    out = []
    for f in followers:
        inbound = WechatInbound.objects.filter(openid=f.openid).order_by("sent_at", "pk")
        out.append(
            {
                "openid": f.openid,
                "unionid": f.unionid,
                "subscribed": f.subscribed,
                "subscribed_at": _iso(f.subscribed_at),
                "unsubscribed_at": _iso(f.unsubscribed_at),
                "last_interaction_at": _iso(f.last_interaction_at),
                "subscriptions": [
                    {"template_id": s.template_id, "state": s.state, "at": _iso(s.state_at)}
                    for s in f.subscriptions.order_by("pk")
                ],
                "messages": [
                    {
                        "type": m.msg_type,
                        "event": m.event,
                        "sent_at": m.sent_at.isoformat(),
                        "content": m.payload,
                    }
                    for m in inbound
                ],
            }
        )
    cards = WechatMemberCard.objects.filter(member=member).order_by("pk")
    out.extend(
        {
            "kind": "membership_card",
            "card_id": c.card_id,
            "card_code": c.code,
            "openid": c.openid,
            "state": c.state,
            "activated_at": _iso(c.activated_at),
            "deleted_at": _iso(c.deleted_at),
        }
        for c in cards
    )
    return out


def wechat_erase(member: Member) -> int:
    """Eraser: returns the followers deleted (the member's cards and unionid conflicts go
    too: a card row holds the openid)."""
    WechatMemberCard.objects.filter(member=member).delete()
    WechatUnionidConflict.objects.filter(member=member).delete()
    WechatUnionidConflict.objects.filter(other=member).delete()
    openids = list(WechatFollower.objects.filter(member=member).values_list("openid", flat=True))
    if not openids:
        return 0
    WechatInbound.objects.filter(openid__in=openids).delete()
    deleted, _ = WechatFollower.objects.filter(openid__in=openids).delete()
    return deleted
