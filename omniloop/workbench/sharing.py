"""Sharing a product or a coupon with a member (导购分享).

A product goes out as a marketing message through the outbox (`messaging.message_enqueue`)
with the H5 product page as `link_url`, which the outbox turns into a tracked redirect on every
channel; consent, quiet hours and caps are decided when it is sent, so nothing is checked here
that the sender decides. A coupon comes only from a template HQ has made shareable, at most
its `monthly_cap` per assistant per month, counted by one conditional UPDATE (never read, then
written). Every share is one `Share` row, unique per assistant and form token: a resubmitted
form is the first share again, with no second message or coupon."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.urls import reverse

from omniloop.accounts.access import Actor, require_roles, require_staff_user
from omniloop.accounts.models import Role, User
from omniloop.audit.services import audit_record
from omniloop.catalog.selectors import product_get
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.messaging.outbox import message_enqueue
from omniloop.promotions.coupons import coupon_issue
from omniloop.promotions.models import CouponTemplate
from omniloop.settlement.periods import period_of
from omniloop.workbench.models import Share, ShareableCoupon, ShareTally
from omniloop.workbench.scope import workbench_member, workbench_user_id
from omniloop.workbench.values import ShareableCouponView, ShareResult, ShareView

CAP_MAX = 10_000
PRODUCT_TEMPLATE = "workbench_product"
COUPON_TEMPLATE = "workbench_coupon"


def _token(form_token: str) -> str:
    token = form_token.strip()
    if not 16 <= len(token) <= 48:
        raise ValidationFailed("The form has expired; open it again.", code="workbench_form_token")
    return token


def _known(user_id: int, token: str) -> ShareResult | None:
    share = Share.objects.filter(assistant_id=user_id, form_token=token).first()
    return ShareResult(share_id=share.pk, kind=share.kind, created=False) if share else None


def product_link(style_code: str) -> str:
    return f"{settings.OMNILOOP_BASE_URL}{reverse('h5:product', args=[style_code])}"


def share_product(
    *,
    actor: Actor,
    member_id: int,
    style_code: str,
    form_token: str,
    request: HttpRequest | None = None,
) -> ShareResult:
    """Queue a message to one of the actor's store's members with a tracked link to a product's
    H5 page. Another store's member is 404, an unknown product 404; nothing is written then."""
    user_id = workbench_user_id(actor)
    token = _token(form_token)
    if (known := _known(user_id, token)) is not None:
        return known
    member = workbench_member(actor=actor, member_id=member_id)
    product = product_get(style_code=style_code.strip()[:32])
    assistant = User.objects.get(pk=user_id)
    now = clock.now()
    try:
        with transaction.atomic():
            share = Share.objects.create(
                assistant_id=user_id,
                store_id=actor.own_store_id,
                member=member,
                kind=Share.Kind.PRODUCT,
                product=product,
                form_token=token,
                created_at=now,
            )
            message = message_enqueue(
                member_id=member.pk,
                template=PRODUCT_TEMPLATE,
                context={
                    "brand": brand_settings().name,
                    "assistant": str(assistant),
                    "product": product.name,
                    "link_url": product_link(product.style_code),
                },
                dedupe_key=f"workbench:{share.pk}",
                cause=f"workbench_share:{user_id}",
            )
            share.message_uid = message.uid.hex
            share.save(update_fields=["message_uid"])
            audit_record(
                action="workbench.share_product",
                actor=actor,
                request=request,
                target_type="member",
                target_id=member.pk,
                summary=product.style_code,
            )
    except IntegrityError:  # the same form, submitted in parallel, won
        known = _known(user_id, token)
        if known is None:
            raise
        return known
    return ShareResult(share_id=share.pk, kind=share.kind, created=True)


def _take_slot(*, user_id: int, shareable: ShareableCoupon, month: date) -> None:
    """One coupon of the assistant's monthly allowance, or Conflict. The row exists first (an
    insert that ignores a conflict); the UPDATE re-checks `used < cap` on the latest row, so
    parallel shares stop exactly at the cap."""
    ShareTally.objects.bulk_create(
        [ShareTally(assistant_id=user_id, template_id=shareable.template_id, month=month)],
        ignore_conflicts=True,
    )
    taken = ShareTally.objects.filter(
        assistant_id=user_id,
        template_id=shareable.template_id,
        month=month,
        used__lt=shareable.monthly_cap,
    ).update(used=F("used") + 1)
    if not taken:
        raise Conflict(
            "You have given out this month's coupons of this kind.",
            code="workbench_share_cap_reached",
        )


def share_coupon(
    *,
    actor: Actor,
    member_id: int,
    template_id: int,
    form_token: str,
    request: HttpRequest | None = None,
    at: datetime | None = None,
) -> ShareResult:
    """Give one of the actor's store's members a coupon of a shareable template and tell them.
    Invariants: an assistant never gives more than the template's monthly cap in a month, the
    template's own limits hold (`coupon_issue`), and a refusal writes nothing (the slot taken
    is rolled back with the rest)."""
    user_id = workbench_user_id(actor)
    token = _token(form_token)
    if (known := _known(user_id, token)) is not None:
        return known
    member = workbench_member(actor=actor, member_id=member_id)
    shareable = (
        ShareableCoupon.objects.select_related("template__offer")
        .filter(template_id=template_id, active=True)
        .first()
    )
    if shareable is None:
        raise NotFound("This coupon cannot be shared.", code="workbench_coupon_not_shareable")
    assistant = User.objects.get(pk=user_id)
    now = at or clock.now()
    try:
        with transaction.atomic():
            share = Share.objects.create(
                assistant_id=user_id,
                store_id=actor.own_store_id,
                member=member,
                kind=Share.Kind.COUPON,
                template=shareable.template,
                form_token=token,
                created_at=now,
            )
            _take_slot(user_id=user_id, shareable=shareable, month=period_of(now))
            coupon = coupon_issue(
                template=shareable.template, member=member, source="assistant", at=now
            )
            message = message_enqueue(
                member_id=member.pk,
                template=COUPON_TEMPLATE,
                context={
                    "brand": brand_settings().name,
                    "assistant": str(assistant),
                    "coupon": shareable.template.name,
                },
                dedupe_key=f"workbench:{share.pk}",
                cause=f"workbench_share:{user_id}",
            )
            share.coupon = coupon
            share.message_uid = message.uid.hex
            share.save(update_fields=["coupon", "message_uid"])
            audit_record(
                action="workbench.share_coupon",
                actor=actor,
                request=request,
                target_type="member",
                target_id=member.pk,
                summary=f"template {shareable.template_id}",
            )
    except IntegrityError:
        known = _known(user_id, token)
        if known is None:
            raise
        return known
    return ShareResult(share_id=share.pk, kind=share.kind, created=True)


def shareable_coupons(*, actor: Actor, at: datetime | None = None) -> list[ShareableCouponView]:
    """The coupons the actor may give out now, with what they have used this month."""
    user_id = workbench_user_id(actor)
    month = period_of(at or clock.now())
    used = dict(
        ShareTally.objects.filter(assistant_id=user_id, month=month).values_list(
            "template_id", "used"
        )
    )
    rows = ShareableCoupon.objects.select_related("template").filter(
        active=True, template__active=True
    )
    return [
        ShareableCouponView(
            template_id=s.template_id,
            name=s.template.name,
            monthly_cap=s.monthly_cap,
            used_this_month=used.get(s.template_id, 0),
        )
        for s in rows.order_by("template__name", "template_id")
    ]


def shareable_coupon_set(
    *,
    actor: Actor,
    template_id: int,
    monthly_cap: int,
    active: bool,
    request: HttpRequest | None = None,
) -> ShareableCoupon:
    """HQ (admins, marketers) makes a coupon template shareable by assistants, or stops it;
    audited. Shared-code templates are presented, not issued, so they cannot be shared."""
    require_roles(actor, Role.HQ_ADMIN, Role.MARKETER)
    user_id = require_staff_user(actor)
    if not 1 <= monthly_cap <= CAP_MAX:
        raise ValidationFailed(
            "The monthly cap per assistant must be between 1 and 10000.",
            code="workbench_cap_invalid",
        )
    template = CouponTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFound("Coupon template not found.", code="coupon_template_not_found")
    if template.code_kind != CouponTemplate.CodeKind.UNIQUE:
        raise ValidationFailed(
            "A shared-code coupon cannot be given out.", code="coupon_template_shared"
        )
    with transaction.atomic():
        row, _ = ShareableCoupon.objects.update_or_create(
            template=template,
            defaults={
                "monthly_cap": monthly_cap,
                "active": active,
                "updated_by_id": user_id,
                "updated_at": clock.now(),
            },
        )
        audit_record(
            action="workbench.coupon_shareable",
            actor=actor,
            request=request,
            target_type="coupon_template",
            target_id=template.pk,
            summary=f"cap {monthly_cap} {'on' if active else 'off'}",
        )
    return row


def shareable_settings() -> list[tuple[CouponTemplate, ShareableCoupon | None, int]]:
    """Every issuable coupon template with its sharing setting and coupons shared this month."""
    month = period_of(clock.now())
    settings_ = {s.template_id: s for s in ShareableCoupon.objects.all()}
    shared = dict(
        ShareTally.objects.filter(month=month)
        .values("template_id")
        .annotate(n=Sum("used"))
        .values_list("template_id", "n")
    )
    templates = CouponTemplate.objects.filter(code_kind=CouponTemplate.CodeKind.UNIQUE).order_by(
        "-active", "name", "pk"
    )
    return [(t, settings_.get(t.pk), int(shared.get(t.pk) or 0)) for t in templates]


def recent_shares(*, actor: Actor, member_id: int, limit: int = 10) -> list[ShareView]:
    """What the actor's store shared with a member lately, newest first (the member page)."""
    workbench_user_id(actor)
    rows = (
        Share.objects.filter(member_id=member_id, store_id=actor.own_store_id)
        .select_related("assistant", "product", "template")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        ShareView(
            shared_at=s.created_at,
            kind=s.kind,
            what=s.product.name if s.product else (s.template.name if s.template else ""),
            assistant_name=str(s.assistant),
        )
        for s in rows
    ]
