"""Narrowing a campaign's audience beyond what a segment rule says (ADR 35).

The rule language knows features, not places or bindings. Two playbooks need more:
- new-store opening: members within `radius_km` of the new store, located by their home store
  (the store they are bound to) and, where the brand loaded delivery regions' centres, by the
  region of their latest shipped order (`wall.sites`);
- legacy-member invitation: imported members (`join_source = import`) who have not bound a
  WeChat membership card.
The narrowing runs once, on the segment's frozen version at launch (and on every run of a
recurring campaign); the entries it leaves are the frozen audience the report reads."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from omniloop.attribution.models import MemberBinding
from omniloop.campaigns.models import Campaign
from omniloop.core.errors import ValidationFailed
from omniloop.members.models import Member
from omniloop.stores.models import Store
from omniloop.wall.sites import distance_km, member_regions
from omniloop.wechat.models import WechatMemberCard


def audience_check(c: Campaign) -> None:
    N = Campaign.Narrowing
    if c.narrowing not in N.values:
        raise ValidationFailed("Unknown audience narrowing.", code="campaign_narrowing_invalid")
    if c.narrowing == N.NEAR_STORE:
        store = c.store
        if store is None or store.latitude is None or store.longitude is None:
            raise ValidationFailed(
                "Choose a store with coordinates.", code="campaign_store_required"
            )
        if not Decimal("0.5") <= Decimal(c.radius_km) <= Decimal("50"):
            raise ValidationFailed("The radius is 0.5-50 km.", code="campaign_radius_invalid")
        ct = c.coupon_template
        if ct is not None:
            stores = set(ct.offer.stores.values_list("pk", flat=True))
            if stores != {store.pk}:
                raise ValidationFailed(
                    "The invitation coupon must be valid only at the new store.",
                    code="campaign_coupon_not_store_only",
                )


def stores_within(store: Store, km: float) -> set[int]:
    """Stores (with coordinates) within `km` of `store`, itself included."""
    assert store.latitude is not None and store.longitude is not None
    here = (float(store.latitude), float(store.longitude))
    return {
        s.pk
        for s in Store.objects.filter(latitude__isnull=False, longitude__isnull=False)
        if distance_km(*here, float(s.latitude), float(s.longitude)) <= km  # type: ignore[arg-type]
    }


def near_store_members(store: Store, km: float, candidates: list[int]) -> set[int]:
    """Of `candidates`, those whose home store or latest delivery region is within `km`."""
    near: set[int] = set(
        MemberBinding.objects.filter(
            store_id__in=stores_within(store, km), member_id__in=candidates
        ).values_list("member_id", flat=True)
    )
    assert store.latitude is not None and store.longitude is not None
    here = (float(store.latitude), float(store.longitude))
    for member_id, (lat, lon) in member_regions(candidates).items():
        if distance_km(*here, lat, lon) <= km:
            near.add(member_id)
    return near


def legacy_unbound_members(candidates: list[int]) -> set[int]:
    carded = WechatMemberCard.objects.filter(member_id__in=candidates).values("member_id")
    return set(
        Member.objects.filter(pk__in=candidates, join_source="import", status="active")
        .exclude(pk__in=carded)
        .values_list("pk", flat=True)
    )


def audience_narrow(c: Campaign, ids: np.ndarray) -> np.ndarray:
    if not c.narrowing or not len(ids):
        return ids
    candidates = [int(i) for i in ids.tolist()]
    if c.narrowing == Campaign.Narrowing.NEAR_STORE:
        assert c.store is not None
        keep = near_store_members(c.store, float(c.radius_km), candidates)
    else:
        keep = legacy_unbound_members(candidates)
    return np.asarray([i for i in candidates if i in keep], dtype=np.int64)
