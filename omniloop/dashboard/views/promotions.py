"""Offers: list, create, edit, detail in plain words, and the status buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.core.errors import ValidationFailed
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import is_htmx, staff_view
from omniloop.dashboard.forms_promotions import OfferForm
from omniloop.dashboard.offer_kinds import FORM_KINDS, KIND_LABELS
from omniloop.dashboard.offer_text import display_status, offer_text
from omniloop.dashboard.offer_try import TryForm, outcome_for, result_rows
from omniloop.dashboard.templatetags.promotion_tags import STATUS_LABELS
from omniloop.promotions.models import Offer
from omniloop.promotions.offers import (
    SHOWN_STATUSES,
    offer_activate,
    offer_create,
    offer_duplicate,
    offer_end,
    offer_get,
    offer_list,
    offer_pause,
    offer_stacking_groups,
    offer_update,
)
from omniloop.promotions.pricing import quote
from omniloop.promotions.values import OfferKind

KIND_VALUES = frozenset(k.value for k in OfferKind)


@staff_view("dashboard:offers")
def offers(request: HttpRequest, actor: Actor) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in SHOWN_STATUSES else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in KIND_VALUES else ""
    qs = offer_list(actor=actor, status=status or None, kind=kind or None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/promotions/offers.html",
        {
            "page": page,
            "status": status,
            "statuses": [(s, STATUS_LABELS[s]) for s in SHOWN_STATUSES],
            "kind": kind,
            "kinds": [(k, KIND_LABELS[k]) for k, _label in FORM_KINDS if k in KIND_VALUES],
        },
    )


def _audited(request: HttpRequest, actor: Actor, action: str, change: Callable[[], Offer]) -> Offer:
    """Runs one offer change and records it in the same transaction."""
    with transaction.atomic():
        offer = change()
        audit_change(
            request,
            actor,
            action,
            target_type="offer",
            target_id=offer.pk,
            summary=f"kind={offer.kind} status={offer.status}",
        )
    return offer


def _form_page(
    request: HttpRequest,
    actor: Actor,
    form: OfferForm,
    offer: Offer | None,
    save: Callable[[], Offer],
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        action = "offer.update" if offer else "offer.create"
        try:
            saved = _audited(request, actor, action, save)
        except ValidationFailed as exc:
            form.add_service_error(exc, kind=form.cleaned_data.get("kind"))
        else:
            messages.success(request, _("Offer saved."))
            return redirect("dashboard:offer_detail", offer_id=saved.pk)
    return render(
        request,
        "dashboard/promotions/offer_form.html",
        {"form": form, "offer": offer, "groups": offer_stacking_groups()},
        status=422 if form.is_bound and form.errors else 200,
    )


@staff_view("dashboard:offer_create")
def offer_create_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = OfferForm(request.POST or None)
    return _form_page(
        request,
        actor,
        form,
        None,
        lambda: offer_create(actor_label=actor.label, **form.offer_fields()),
    )


@staff_view("dashboard:offer_edit")
def offer_edit(request: HttpRequest, actor: Actor, offer_id: int) -> HttpResponse:
    offer = offer_get(actor=actor, offer_id=offer_id)
    if offer.status == Offer.Status.ENDED:
        messages.warning(request, _("An ended offer cannot be changed; duplicate it instead."))
        return redirect("dashboard:offer_detail", offer_id=offer.pk)
    form = OfferForm(request.POST or None, offer=offer)
    return _form_page(
        request,
        actor,
        form,
        offer,
        lambda: offer_update(offer_id=offer.pk, actor_label=actor.label, **form.offer_fields()),
    )


def _detail(
    request: HttpRequest,
    actor: Actor,
    offer: Offer,
    *,
    form: TryForm | None = None,
    tried: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "offer": offer,
        "text": offer_text(offer),
        "shown_status": display_status(offer),
        "templates": offer.coupon_templates.order_by("-pk")[:20],
        "try_form": form or TryForm(actor=actor, offer=offer),
        "tried": tried,
    }
    if is_htmx(request) and form is not None:
        return render(request, "dashboard/promotions/_try.html", context, status=status)
    return render(request, "dashboard/promotions/offer_detail.html", context, status=status)


@staff_view("dashboard:offer_detail")
def offer_detail(request: HttpRequest, actor: Actor, offer_id: int) -> HttpResponse:
    return _detail(request, actor, offer_get(actor=actor, offer_id=offer_id))


@require_POST
@staff_view("dashboard:offer_try")
def offer_try(request: HttpRequest, actor: Actor, offer_id: int) -> HttpResponse:
    """Prices a typed basket with the live offers (`pricing.quote`) and says what this offer
    did; nothing is written."""
    offer = offer_get(actor=actor, offer_id=offer_id)
    form = TryForm(request.POST, actor=actor, offer=offer)
    if not form.is_valid():
        return _detail(request, actor, offer, form=form, status=422)
    d = form.cleaned_data
    try:
        priced = quote(
            items=d["items"],
            channel_code=d["channel"],
            store_id=d["store"].pk if d["store"] else None,
            member_id=d["member"],
            coupon_codes=d["coupons"],
            at=d["at"],
        )
    except ValidationFailed as exc:
        unknown = exc.extra.get("unknown")
        message = _(exc.message) + (f" {', '.join(unknown)}" if unknown else "")
        form.add_error("items", message)
        return _detail(request, actor, offer, form=form, status=422)
    tried = {"priced": priced, "outcome": outcome_for(offer, priced), **result_rows(priced)}
    return _detail(request, actor, offer, form=form, tried=tried)


@require_POST
@staff_view("dashboard:offer_activate")
def offer_activate_view(request: HttpRequest, actor: Actor, offer_id: int) -> HttpResponse:
    pk = offer_get(actor=actor, offer_id=offer_id).pk
    offer = _audited(request, actor, "offer.activate", lambda: offer_activate(offer_id=pk))
    if display_status(offer) == "scheduled":
        messages.success(request, _("Offer scheduled: it starts at its start time."))
    else:
        messages.success(request, _("Offer activated."))
    return redirect("dashboard:offer_detail", offer_id=offer.pk)


@require_POST
@staff_view("dashboard:offer_pause")
def offer_pause_view(request: HttpRequest, actor: Actor, offer_id: int) -> HttpResponse:
    pk = offer_get(actor=actor, offer_id=offer_id).pk
    offer = _audited(request, actor, "offer.pause", lambda: offer_pause(offer_id=pk))
    messages.success(request, _("Offer paused."))
    return redirect("dashboard:offer_detail", offer_id=offer.pk)


@require_POST
@staff_view("dashboard:offer_end")
def offer_end_view(request: HttpRequest, actor: Actor, offer_id: int) -> HttpResponse:
    pk = offer_get(actor=actor, offer_id=offer_id).pk
    offer = _audited(request, actor, "offer.end", lambda: offer_end(offer_id=pk))
    messages.success(request, _("Offer ended."))
    return redirect("dashboard:offer_detail", offer_id=offer.pk)


@require_POST
@staff_view("dashboard:offer_duplicate")
def offer_duplicate_view(request: HttpRequest, actor: Actor, offer_id: int) -> HttpResponse:
    source = offer_get(actor=actor, offer_id=offer_id)
    name = _("%(name)s (copy)") % {"name": source.name}
    copy = _audited(
        request,
        actor,
        "offer.duplicate",
        lambda: offer_duplicate(offer_id=source.pk, name=name, actor_label=actor.label),
    )
    messages.success(request, _("Draft copy created; edit it, then activate it."))
    return redirect("dashboard:offer_edit", offer_id=copy.pk)
