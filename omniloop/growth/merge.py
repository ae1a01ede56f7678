"""Merge and privacy handlers for the growth tables that point at members."""

from __future__ import annotations

from django.db.models import F, Q

from omniloop.growth.models import (
    EmployeeRecruit,
    LotteryEntry,
    Referral,
    ReferralDevice,
    ReferralLink,
    ReferralVisit,
    ReferrerMonth,
)
from omniloop.members.merge import MergeCounts, merge_unique_rows
from omniloop.members.models import Member
from omniloop.members.privacy import Rows


def growth_merge(survivor: Member, merged: Member) -> MergeCounts:
    """Everything moves to the survivor. Where both hold a row that must be unique, the
    survivor's stays: its accepted referral as a referee (the merged one's becomes refused,
    `merged`), its lottery entry, its recruiter; monthly reward counts add up."""
    links = ReferralLink.objects.filter(member=merged).update(member=survivor)
    devices, _ = merge_unique_rows(
        ReferralDevice, key="device", survivor=survivor, merged=merged, order_by=["pk"]
    )
    as_referrer = Referral.objects.filter(referrer=merged).update(referrer=survivor)
    accepted = ~Q(status=Referral.Status.REFUSED)
    if Referral.objects.filter(accepted, referee=survivor).exists():
        Referral.objects.filter(accepted, referee=merged).update(
            status=Referral.Status.REFUSED, reason="merged"
        )
    as_referee = Referral.objects.filter(referee=merged).update(referee=survivor)
    months = 0
    for row in ReferrerMonth.objects.select_for_update().filter(referrer=merged).order_by("pk"):
        kept = ReferrerMonth.objects.filter(referrer=survivor, month=row.month)
        if kept.update(rewarded=F("rewarded") + row.rewarded):
            row.delete()
        else:
            ReferrerMonth.objects.filter(pk=row.pk).update(referrer=survivor)
        months += 1
    entries, _ = merge_unique_rows(
        LotteryEntry, key="lottery_id", survivor=survivor, merged=merged, order_by=["pk"]
    )
    recruits = 0
    if EmployeeRecruit.objects.filter(member=survivor).exists():
        recruits = EmployeeRecruit.objects.filter(member=merged).delete()[0]
    else:
        recruits = EmployeeRecruit.objects.filter(member=merged).update(member=survivor)
    return {
        "referral_links": links,
        "referral_devices": devices,
        "referrals": as_referrer + as_referee,
        "referrer_months": months,
        "lottery_entries": entries,
        "employee_recruits": recruits,
    }


def growth_export(member: Member) -> Rows:
    rows: Rows = []
    for r in Referral.objects.filter(Q(referrer=member) | Q(referee=member)).order_by("pk"):
        rows.append(
            {
                "kind": "referral",
                "role": "referrer" if r.referrer_id == member.pk else "referee",
                "status": r.status,
                "reason": r.reason,
                "joined_at": r.joined_at.isoformat(),
                "points": r.referrer_points if r.referrer_id == member.pk else r.referee_points,
            }
        )
    for link in ReferralLink.objects.filter(member=member).order_by("pk"):
        rows.append({"kind": "referral_link", "token": link.token, "active": link.active})
    for e in LotteryEntry.objects.filter(member=member).select_related("lottery").order_by("pk"):
        rows.append(
            {
                "kind": "lottery_entry",
                "lottery": e.lottery.title,
                "entered_at": e.entered_at.isoformat(),
                "won": e.won,
            }
        )
    recruit = EmployeeRecruit.objects.filter(member=member).first()
    if recruit is not None:
        rows.append(
            {
                "kind": "employee_recruit",
                "employee_id": recruit.employee_id,
                "joined_at": recruit.joined_at.isoformat(),
            }
        )
    return rows


def growth_erase(member: Member) -> int:
    """Device cookies are personal data: gone. Links stop working. Referrals, entries and the
    recruit stay as pseudonymous records (rewards were ledger entries)."""
    changed = ReferralDevice.objects.filter(member=member).delete()[0]
    changed += ReferralVisit.objects.filter(
        Q(visitor__member=member) | Q(link__member=member)
    ).delete()[0]
    changed += (
        Referral.objects.filter(Q(referrer=member) | Q(referee=member))
        .exclude(device="")
        .update(device="")
    )
    changed += ReferralLink.objects.filter(member=member, active=True).update(active=False)
    return changed
