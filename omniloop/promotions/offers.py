"""Offer services: create, edit, schedule, pause, end and duplicate offers; and the reads the
dashboard needs. What an offer may be is checked in `offer_spec` before anything is written.

Status moves draft -> active <-> paused, and anything -> ended, by one conditional UPDATE, so two
staff pressing buttons at once cannot resurrect an ended offer. "Scheduled" is not a status: it
is an active offer whose window has not started yet.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from omniloop.accounts.access import Actor
from omniloop.core.clock import now
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.promotions.models import Offer
from omniloop.promotions.offer_spec import (
    OfferSpec,
    offer_spec,
    set_scope,
    spec_from,
    validated,
    write_fields,
)

__all__ = [
    "SHOWN_STATUSES",
    "OfferSpec",
    "offer_activate",
    "offer_create",
    "offer_duplicate",
    "offer_end",
    "offer_get",
    "offer_list",
    "offer_pause",
    "offer_spec",
    "offer_stacking_groups",
    "offer_update",
]

log = logging.getLogger("omniloop.promotions")


def offer_create(*, actor_label: str, **fields_: Any) -> Offer:
    """A new draft offer. Fields are those of `OfferSpec`; `products`, `categories`,
    `collections` and `stores` take ids or instances. Nothing is written unless every check
    passes."""
    spec = validated(spec_from(fields_))
    with transaction.atomic():
        offer = Offer(status=Offer.Status.DRAFT)
        write_fields(offer, spec)
        offer.save()
        set_scope(offer, spec)
    log.info("offer %s created by %s", offer.pk, actor_label)
    return offer


def offer_update(*, offer_id: int, actor_label: str, **changes: Any) -> Offer:
    """Change some fields of an offer that has not ended; the whole result is re-checked."""
    with transaction.atomic():
        offer = Offer.objects.select_for_update().filter(pk=offer_id).first()
        if offer is None:
            raise NotFound("Offer not found.", code="offer_not_found")
        if offer.status == Offer.Status.ENDED:
            raise Conflict(
                "An ended offer cannot be changed; duplicate it instead.", code="offer_ended"
            )
        spec = validated(spec_from(changes, base=offer_spec(offer=offer)))
        write_fields(offer, spec)
        offer.save()
        set_scope(offer, spec)
    log.info("offer %s updated by %s: %s", offer.pk, actor_label, sorted(changes))
    return offer


def _transition(
    offer_id: int, *, to: str, allowed: tuple[str, ...], message: str, open_window: bool = False
) -> Offer:
    with transaction.atomic():
        at = now()
        qs = Offer.objects.filter(pk=offer_id, status__in=allowed)
        if open_window:
            qs = qs.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
        moved = qs.update(status=to, updated_at=at)
        offer = Offer.objects.filter(pk=offer_id).first()
        if offer is None:
            raise NotFound("Offer not found.", code="offer_not_found")
        if not moved and offer.status in allowed:
            raise ValidationFailed("The offer's window is already over.", code="offer_window_over")
        if not moved:
            raise Conflict(message, code="offer_state_invalid", extra={"status": offer.status})
    return offer


def offer_activate(*, offer_id: int) -> Offer:
    """Draft or paused -> active. With a start in the future the offer is scheduled; an offer
    whose window is already over cannot be activated."""
    return _transition(
        offer_id,
        to=Offer.Status.ACTIVE,
        allowed=(Offer.Status.DRAFT, Offer.Status.PAUSED),
        message="Only a draft or paused offer can be activated.",
        open_window=True,
    )


def offer_pause(*, offer_id: int) -> Offer:
    return _transition(
        offer_id,
        to=Offer.Status.PAUSED,
        allowed=(Offer.Status.ACTIVE,),
        message="Only an active offer can be paused.",
    )


def offer_end(*, offer_id: int) -> Offer:
    """Ends an offer for good (coupons pointing at it stop applying); it can be duplicated."""
    return _transition(
        offer_id,
        to=Offer.Status.ENDED,
        allowed=(Offer.Status.DRAFT, Offer.Status.ACTIVE, Offer.Status.PAUSED),
        message="The offer has already ended.",
    )


def offer_duplicate(*, offer_id: int, name: str | None = None, actor_label: str = "") -> Offer:
    """A draft copy (for the next run of a campaign, or a variant to compare against)."""
    source = Offer.objects.filter(pk=offer_id).first()
    if source is None:
        raise NotFound("Offer not found.", code="offer_not_found")
    spec = offer_spec(offer=source)
    copy_name = (name or f"{source.name} (copy)")[:100]
    with transaction.atomic():
        offer = Offer(status=Offer.Status.DRAFT)
        write_fields(offer, replace(spec, name=copy_name))
        offer.save()
        set_scope(offer, spec)
    log.info("offer %s duplicated as %s by %s", offer_id, offer.pk, actor_label)
    return offer


# Reads ------------------------------------------------------------------------------------------


SHOWN_STATUSES = ("draft", "scheduled", "running", "paused", "over", "ended")


def offer_list(
    *, actor: Actor, status: str | None = None, kind: str | None = None, at: datetime | None = None
) -> QuerySet[Offer]:
    """Offers the actor may see, newest first: HQ sees all; store staff see offers for every
    store or for theirs. `status` is a stored status or one of the shown ones: "scheduled"
    (active, not started), "running" (active, in its window) and "over" (active, window past)."""
    qs = Offer.objects.prefetch_related("stores", "categories", "collections", "products")
    if not actor.is_hq:
        qs = qs.filter(Q(stores__isnull=True) | Q(stores=actor.store_id)).distinct()
    at = at or now()
    started = Q(starts_at__isnull=True) | Q(starts_at__lte=at)
    not_over = Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    active = Q(status=Offer.Status.ACTIVE)
    by_status = {
        "scheduled": active & Q(starts_at__gt=at),
        "running": active & started & not_over,
        "over": active & Q(ends_at__lte=at),
    }
    if status in by_status:
        qs = qs.filter(by_status[status])
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-pk")


def offer_get(*, actor: Actor, offer_id: int) -> Offer:
    offer = offer_list(actor=actor).filter(pk=offer_id).first()
    if offer is None:
        raise NotFound("Offer not found.", code="offer_not_found")
    return offer


def offer_stacking_groups() -> list[str]:
    return sorted(
        set(Offer.objects.exclude(stacking_group="").values_list("stacking_group", flat=True))
    )
