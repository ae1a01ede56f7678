"""The workbench's member data: the shares sent to a member and the notes assistants left on
its follow-up tasks. A merge moves both to the survivor; a data-subject export lists them;
erasure blanks the notes (the shares stay, as the coupons and messages they point at do)."""

from __future__ import annotations

from typing import Any

from omniloop.members.merge import register_merge_handler
from omniloop.members.models import Member
from omniloop.members.privacy import register_privacy_handler
from omniloop.workbench.models import FollowUpDone, Share


def workbench_merge(survivor: Member, merged: Member) -> dict[str, int]:
    return {
        "workbench_shares": Share.objects.filter(member=merged).update(member=survivor),
        "workbench_tasks": FollowUpDone.objects.filter(member=merged).update(member=survivor),
    }


def workbench_export(member: Member) -> list[dict[str, Any]]:
    shares = [
        {"shared_at": s.created_at.isoformat(), "kind": s.kind, "product_id": s.product_id}
        for s in Share.objects.filter(member=member).order_by("created_at", "pk")
    ]
    notes = [
        {"done_at": d.done_at.isoformat(), "kind": d.kind, "note": d.note}
        for d in FollowUpDone.objects.filter(member=member).order_by("done_at", "pk")
    ]
    return [{"shares": shares, "follow_up_notes": notes}]


def workbench_erase(member: Member) -> int:
    return FollowUpDone.objects.filter(member=member).exclude(note="").update(note="")


register_merge_handler("workbench", workbench_merge)
register_privacy_handler("workbench", export=workbench_export, erase=workbench_erase)
