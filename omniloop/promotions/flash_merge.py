"""Member merge for flash sales: the merged member's claims and tallies follow the survivor.

A tally is unique per (sale, member). Where only the merged member has one, it moves. Where both
have one, the two are added into the survivor's and the merged one goes: every unit either of
them holds or bought stays counted, so a later release or payment of either member's claims
finds it. The survivor may then be over the per-member limit, but only by units already held
before the merge: a claim raises a tally only while it stays within the limit, so no new unit
can be claimed until the survivor is back under it. The excess is recorded in the merge's counts
(`flash_over_limit`, units) and logged.

Lock order, as a release's (`flash_release`): claim rows, then tally rows in (sale, member)
order. Sale rows are not touched: the stock does not change.
"""

from __future__ import annotations

import logging

from django.db.models import F

from omniloop.members.merge import merge_unique_rows
from omniloop.members.models import Member
from omniloop.promotions.models import FlashSale, FlashSaleClaim, FlashSaleTally

log = logging.getLogger(__name__)


def flash_merge(survivor: Member, merged: Member) -> dict[str, int]:
    """Merge handler: counts `flash_claims` and `flash_tallies` moved (a combined tally counts
    as moved), and `flash_over_limit` when combining left the survivor over a sale's limit."""
    list(FlashSaleClaim.objects.select_for_update().filter(member=merged).order_by("pk"))
    claims = FlashSaleClaim.objects.filter(member=merged).update(member=survivor)
    moved, collisions = merge_unique_rows(
        FlashSaleTally,
        key="flash_sale_id",
        survivor=survivor,
        merged=merged,
        order_by=("flash_sale_id", "member_id"),
    )
    limits = dict(
        FlashSale.objects.filter(pk__in=[mine.flash_sale_id for _, mine in collisions]).values_list(
            "pk", "per_member_limit"
        )
    )
    over = 0
    for theirs, mine in collisions:
        FlashSaleTally.objects.filter(pk=mine.pk).update(quantity=F("quantity") + theirs.quantity)
        total, limit = mine.quantity + theirs.quantity, limits[mine.flash_sale_id]
        if total > limit:
            over += total - limit
            log.warning(
                "merge of member %s into %s: flash sale %s tally %s over its limit of %s",
                merged.pk,
                survivor.pk,
                mine.flash_sale_id,
                total,
                limit,
            )
    counts = {"flash_claims": claims, "flash_tallies": moved}
    return counts | ({"flash_over_limit": over} if over else {})
