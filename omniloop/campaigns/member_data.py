"""Campaign entries on member merges and data-subject requests (ADR 35).

Merge: the merged member's entries and journey states move to the survivor (their orders move
too, so the live report keeps following the same person); where the survivor already has an
entry for the same campaign and occasion, the survivor's is kept and the merged one's (with
its journey state) is dropped. A closed campaign's result is a snapshot and does not move.
Export: every entry (campaign, group, occasion, when entered, state). Erasure keeps the entries:
they hold no personal data once the profile is gone, and frozen reports count them."""

from __future__ import annotations

from typing import Any

from omniloop.campaigns.models import CampaignMember, JourneyState
from omniloop.members.models import Member


def campaigns_merge(survivor: Member, merged: Member) -> dict[str, int]:
    ours = CampaignMember.objects.filter(member=survivor).values_list("campaign_id", "occasion")
    taken = set(ours)
    theirs = list(CampaignMember.objects.select_for_update().filter(member=merged))
    clash = [e.pk for e in theirs if (e.campaign_id, e.occasion) in taken]
    moving = [e.pk for e in theirs if (e.campaign_id, e.occasion) not in taken]
    CampaignMember.objects.filter(pk__in=clash).delete()  # their journey states go with them
    CampaignMember.objects.filter(pk__in=moving).update(member=survivor)
    states = JourneyState.objects.filter(entry_id__in=moving).update(member=survivor)
    return {
        "campaign_entries": len(moving),
        "campaign_entries_folded": len(clash),
        "journeys": states,
    }


def campaigns_export(member: Member) -> list[dict[str, Any]]:
    rows = CampaignMember.objects.filter(member=member).select_related("campaign")
    return [
        {
            "campaign": e.campaign.name,
            "group": e.group,
            "occasion": e.occasion,
            "entered_at": e.entered_at.isoformat() if e.entered_at else None,
            "state": e.state,
        }
        for e in rows.order_by("pk")
    ]
