"""The join flow (R2, R3, R4): scan -> one-time code -> member card, bound and welcomed.

This app orchestrates the lower ones; it owns no tables."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from omniloop.attribution.services import binding_touch
from omniloop.attribution.values import BindingOutcome
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.core.phones import parse_phone
from omniloop.core.ratelimit import hit
from omniloop.core.sms import SmsKind, SmsMessage
from omniloop.core.tasks import enqueue_sms
from omniloop.loyalty.services import points_earn
from omniloop.members.models import ConsentChannel, IdentityKind, Member
from omniloop.members.privacy import identity_suppressed
from omniloop.members.selectors import member_by_phone
from omniloop.members.services import (
    consent_record,
    member_create,
    otp_issue,
    otp_verify,
    phone_attach,
)
from omniloop.onboarding.events import MemberJoined, member_joined
from omniloop.onboarding.values import JoinResult, OtpSent
from omniloop.promotions.coupons import coupons_welcome_issue
from omniloop.touchpoints.models import Visitor
from omniloop.touchpoints.selectors import visitor_unlinked_store_touches
from omniloop.touchpoints.services import scan_record, scene_resolve, visitor_link
from omniloop.touchpoints.values import SceneContext


def otp_send(*, phone_raw: str, client_key: str) -> OtpSent:
    """Send a join code by SMS. Limited per phone (1 a minute, 5 an hour, 10 a day) and per
    client (10 an hour) because every SMS costs the brand money."""
    phone = parse_phone(phone_raw)
    hit(
        f"otp:client:{client_key}",
        settings.OMNILOOP_OTP_RATE_PER_CLIENT,
        code="otp_rate_limited_client",
        message="Too many codes from this device. Try later.",
    )
    hit(
        f"otp:phone:{phone.index}",
        settings.OMNILOOP_OTP_RATE_PER_PHONE,
        code="otp_rate_limited_phone",
        message="A code was sent recently. Wait before retrying.",
    )
    code = otp_issue(phone=phone)
    brand = brand_settings().name
    enqueue_sms(
        SmsMessage(
            to_e164=phone.e164,
            kind=SmsKind.VERIFICATION,
            text=f"【{brand}】验证码 {code}，5分钟内有效。Your code is {code}.",
        )
    )
    return OtpSent(masked_phone=phone.masked, expires_in=settings.OMNILOOP_OTP_TTL_SECONDS)


def scan_visit(*, scene: str, visitor: Visitor, user_agent: str = "") -> SceneContext:
    """Record a scan. A scan by an identified member in a store is a touch for binding."""
    ctx = scene_resolve(scene=scene)
    with transaction.atomic():
        scan_record(ctx=ctx, visitor=visitor, user_agent=user_agent)
        if visitor.member_id and ctx.store_id:
            member = Member.objects.get(pk=visitor.member_id)
            binding_touch(
                member=member,
                store_id=ctx.store_id,
                assistant_id=ctx.assistant_id,
                source="scan",
                touchpoint_id=ctx.touchpoint_id,
            )
    return ctx


def visitor_claim(
    *, visitor: Visitor, member: Member, source: str = "scan"
) -> BindingOutcome | None:
    """The visitor becomes the member's. Its scans made before joining count as touches, in
    the order they happened: the first store and assistant scanned win, even if the join page
    was reached from a later tag. Returns the last touch's outcome (None without store scans)."""
    outcome = None
    with transaction.atomic():
        for touch in visitor_unlinked_store_touches(visitor_id=visitor.pk):
            outcome = binding_touch(
                member=member,
                store_id=touch.store_id,
                assistant_id=touch.assistant_id,
                source=source,
                touchpoint_id=touch.touchpoint_id,
                at=touch.at,
            )
        visitor_link(visitor=visitor, member=member)
    return outcome


def member_join(
    *,
    phone_raw: str,
    code: str,
    consents: dict[str, bool],
    visitor: Visitor | None,
    scene: str | None,
    name: str = "",
) -> JoinResult:
    """Verify the code, then find or create the member, record consent, link the visitor's scans
    and bind to the scanned store and assistant. A phone that is already a member logs in: no
    duplicate, no second welcome. A new member gets the welcome points and one coupon of each
    active welcome template. Bad input writes nothing (the code's try counter aside)."""
    phone = parse_phone(phone_raw)
    ctx = scene_resolve(scene=scene) if scene else None
    otp_verify(phone=phone, code=code)
    with transaction.atomic():
        member = member_by_phone(phone=phone)
        created = member is None
        was_suppressed = created and identity_suppressed(kind=IdentityKind.PHONE, value=phone.index)
        visitor_owner_before = visitor.member_id if visitor is not None else None
        if member is None:
            member = member_create(join_source="scan" if ctx else "h5", name=name[:50])
            # The number was just proved by its one-time code: an explicit re-join after an
            # erasure lifts the suppression.
            phone_attach(member=member, phone=phone, source="join", explicit=True)
        for channel in ConsentChannel.values:
            if channel in consents:
                consent_record(
                    member=member,
                    channel=channel,
                    granted=consents[channel],
                    source=f"join_form:{ctx.scene}" if ctx else "join_form",
                )
        outcome = None
        if visitor is not None:
            outcome = visitor_claim(visitor=visitor, member=member)
        if ctx is not None and ctx.store_id:
            outcome = binding_touch(
                member=member,
                store_id=ctx.store_id,
                assistant_id=ctx.assistant_id,
                source="join" if created else "scan",
                touchpoint_id=ctx.touchpoint_id,
            )
        welcome = 0
        welcome_coupons = 0
        if created:
            welcome_coupons = len(coupons_welcome_issue(member=member))
            welcome = brand_settings().welcome_points
            if welcome:
                points_earn(
                    member=member,
                    points=welcome,
                    reference=f"welcome:{member.pk}",
                    note="Welcome gift",
                )
        member_joined(
            MemberJoined(
                member_id=member.pk,
                created=created,
                phone_index=phone.index,
                phone_was_suppressed=was_suppressed,
                visitor_id=visitor.pk if visitor is not None else None,
                visitor_owner_before=visitor_owner_before,
                touchpoint_id=ctx.touchpoint_id if ctx else None,
                at=clock.now(),
            )
        )
    return JoinResult(
        member_id=member.pk,
        member_code=member.code,
        created=created,
        welcome_points=welcome,
        binding=outcome,
        welcome_coupons=welcome_coupons,
    )
