"""Messages and messaging profiles in merges and data-subject requests (ADR 18)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from omniloop.members.models import Member
from omniloop.messaging.models import EmailFeedback, Message, MessagingProfile
from omniloop.messaging.values import Reason, Status
from omniloop.wechat.models import WechatFollower


def merge_move_messages(survivor: Member, merged: Member) -> dict[str, int]:
    """Messages follow the member; the merged member's profile goes if the survivor has one."""
    moved = Message.objects.filter(member=merged).update(member=survivor)
    EmailFeedback.objects.filter(member=merged).update(member=survivor)
    profiles = 0
    if not MessagingProfile.objects.filter(member=survivor).exists():
        profiles = MessagingProfile.objects.filter(member=merged).update(member=survivor)
    else:
        MessagingProfile.objects.filter(member=merged).delete()
    return {"messages": moved, "messaging_profiles": profiles}


def messages_export(member: Member) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "message": str(m.uid),
            "template": m.template,
            "kind": m.kind,
            "channel": m.channel,
            "status": m.status,
            "reason": m.reason,
            "created_at": m.created_at.isoformat(),
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            "variables": m.context,
        }
        for m in Message.objects.filter(member=member).order_by("created_at", "pk")
    ]
    profile = MessagingProfile.objects.filter(member=member).first()
    if profile is not None:
        rows.append({"language": profile.language, "email": profile.email_masked})
    return rows


def messages_erase(member: Member) -> int:
    """Queued messages end suppressed; every message loses its variables (names, codes); the
    e-mail address goes. The log of what was sent when stays, without content. Replies sent
    to their WeChat followers before they joined (by openid, ADR 40) are treated alike."""
    openids = WechatFollower.objects.filter(member=member).values_list("openid", flat=True)
    theirs = Message.objects.filter(Q(member=member) | Q(member=None, openid__in=list(openids)))
    changed = theirs.filter(status__in=[Status.QUEUED, Status.SENDING]).update(
        status=Status.SUPPRESSED, reason=Reason.MEMBER_GONE
    )
    changed += theirs.exclude(context={}).update(context={})
    changed += MessagingProfile.objects.filter(member=member).delete()[0]
    changed += EmailFeedback.objects.filter(member=member).delete()[0]
    return changed
