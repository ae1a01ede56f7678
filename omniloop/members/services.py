from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from omniloop.core import clock, crypto
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.core.phones import Phone
from omniloop.members.codes import new_member_code, new_otp
from omniloop.members.events import member_changed
from omniloop.members.merge import merge_handlers
from omniloop.members.models import (
    MEMBER_TIERS,
    ConsentChannel,
    ConsentRecord,
    IdentityKind,
    Member,
    MemberIdentity,
    MemberMerge,
    OtpChallenge,
)
from omniloop.members.privacy import identity_suppressed, suppression_check, suppression_lift
from omniloop.members.values import MergeOutcome


def member_create(
    *,
    joined_at: datetime | None = None,
    join_source: str = "",
    name: str = "",
    gender: str = "",
    city: str = "",
) -> Member:
    for _ in range(5):
        try:
            with transaction.atomic():
                member = Member.objects.create(
                    code=new_member_code(),
                    joined_at=joined_at or clock.now(),
                    join_source=join_source,
                    name=name,
                    gender=gender,
                    city=city,
                )
                member_changed(member.pk)  # the wall's new members (members.events)
                return member
        except IntegrityError:
            continue  # a code collision: 1 in 10^10 per member; draw again
    raise RuntimeError("could not allocate a member code")


def _unsuppress(kind: str, value: str, namespace: str, explicit: bool) -> None:
    if not identity_suppressed(kind=kind, value=value, namespace=namespace):
        return
    if not explicit:
        suppression_check(kind=kind, value=value, namespace=namespace)  # raises
    suppression_lift(kind=kind, value=value, namespace=namespace)


def identity_attach(
    *,
    member: Member,
    kind: str,
    value: str,
    namespace: str = "",
    source: str = "",
    explicit: bool = False,
) -> MemberIdentity:
    """Attach an identity. If it already belongs to another member the caller must merge. An
    erased member's identifier is refused unless `explicit` (see `phone_attach`)."""
    if kind == IdentityKind.PHONE:
        raise ValueError("use phone_attach for phone numbers")
    value = value.strip()
    if not value or len(value) > 128:
        raise ValidationFailed(f"Invalid {kind}.", code="identity_invalid")
    _unsuppress(kind, value, namespace, explicit)
    existing = MemberIdentity.objects.filter(kind=kind, namespace=namespace, value=value).first()
    if existing:
        if existing.member_id != member.pk:
            raise Conflict(f"This {kind} belongs to another member.", code="identity_taken")
        return existing
    masked = value if kind != IdentityKind.STORE_CARD else value[:2] + "****" + value[-4:]
    return MemberIdentity.objects.create(
        member=member, kind=kind, namespace=namespace, value=value, masked=masked, source=source
    )


def phone_attach(
    *, member: Member, phone: Phone, source: str = "", explicit: bool = False
) -> MemberIdentity:
    """Attach a phone. The phone of an erased member is refused (`identity_suppressed`) unless
    `explicit`: the person proved the number with a one-time code and joined themselves."""
    _unsuppress(IdentityKind.PHONE, phone.index, "", explicit)
    existing = MemberIdentity.objects.filter(kind=IdentityKind.PHONE, value=phone.index).first()
    if existing:
        if existing.member_id != member.pk:
            raise Conflict("This phone number belongs to another member.", code="phone_taken")
        return existing
    return MemberIdentity.objects.create(
        member=member,
        kind=IdentityKind.PHONE,
        value=phone.index,
        cipher=phone.encrypt(),
        masked=phone.masked,
        source=source,
    )


def consent_record(
    *, member: Member, channel: str, granted: bool, source: str, at: datetime | None = None
) -> ConsentRecord:
    if channel not in ConsentChannel.values:
        raise ValidationFailed(f"Unknown consent channel {channel!r}.", code="consent_channel")
    return ConsentRecord.objects.create(
        member=member,
        channel=channel,
        granted=granted,
        source=source[:64],
        recorded_at=at or clock.now(),
    )


@transaction.atomic
def member_merge(*, survivor_id: int, merged_id: int, actor: str, reason: str) -> MergeOutcome:
    """Fold `merged` into `survivor`: every identity, consent, scan, binding, point and order
    moves; the merged record stays as a tombstone pointing at the survivor, and the merge is
    recorded with who did it and why. Both rows are locked in primary-key order."""
    if survivor_id == merged_id:
        raise ValidationFailed("A member cannot be merged into itself.", code="merge_same_member")
    if not reason.strip():
        raise ValidationFailed("Say why these members are merged.", code="merge_reason_required")
    locked = {
        m.pk: m
        for m in Member.objects.select_for_update()
        .filter(pk__in=[survivor_id, merged_id])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise NotFound("Member not found.", code="member_not_found")
    survivor, merged = locked[survivor_id], locked[merged_id]
    if survivor.status != Member.Status.ACTIVE or merged.status != Member.Status.ACTIVE:
        raise Conflict("Only active members can be merged.", code="merge_inactive_member")
    moved = {
        "identities": MemberIdentity.objects.filter(member=merged).update(member=survivor),
        "consents": ConsentRecord.objects.filter(member=merged).update(member=survivor),
    }
    for name, handler in merge_handlers().items():
        counts = handler(survivor, merged)
        moved.update({name: counts} if isinstance(counts, int) else counts)
    if merged.joined_at < survivor.joined_at:
        survivor.joined_at = merged.joined_at
    for field in ("name", "gender", "city", "birth_date"):
        if not getattr(survivor, field) and getattr(merged, field):
            setattr(survivor, field, getattr(merged, field))
    survivor.save(update_fields=["joined_at", "name", "gender", "city", "birth_date"])
    merged.status = Member.Status.MERGED
    merged.merged_into = survivor
    merged.save(update_fields=["status", "merged_into"])
    member_changed(survivor.pk)  # after the rows moved and the join date settled
    member_changed(merged.pk)
    MemberMerge.objects.create(
        survivor=survivor,
        merged=merged,
        actor=actor[:64],
        reason=reason[:300],
        moved=moved,
        merged_at=clock.now(),
    )
    return MergeOutcome(survivor_id=survivor.pk, merged_id=merged.pk, moved=moved)


# --- One-time codes ---------------------------------------------------------------------------


def otp_issue(*, phone: Phone, purpose: str = "join") -> str:
    """Create a one-time code for `phone` and return it (the caller sends it). Earlier unused
    codes for the phone stop working."""
    now = clock.now()
    code = new_otp()
    with transaction.atomic():
        OtpChallenge.objects.filter(
            phone_index=phone.index, purpose=purpose, consumed_at__isnull=True
        ).update(consumed_at=now)
        OtpChallenge.objects.create(
            phone_index=phone.index,
            purpose=purpose,
            code_hash=crypto.token_hash(code),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.OMNILOOP_OTP_TTL_SECONDS),
        )
    return code


def otp_verify(*, phone: Phone, code: str, purpose: str = "join") -> None:
    """Consume the phone's current code or raise: `otp_expired` (none live), `otp_locked`
    (too many wrong tries) or `otp_invalid`. A code works once, even under concurrency."""
    now = clock.now()
    challenge = (
        OtpChallenge.objects.filter(
            phone_index=phone.index, purpose=purpose, consumed_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )
    if challenge is None or challenge.expires_at <= now:
        raise ValidationFailed("The code has expired. Request a new one.", code="otp_expired")
    if challenge.attempts >= settings.OMNILOOP_OTP_MAX_ATTEMPTS:
        raise ValidationFailed("Too many wrong codes. Request a new one.", code="otp_locked")
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit()) or crypto.token_hash(code) != challenge.code_hash:
        OtpChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
        raise ValidationFailed("The code is not correct.", code="otp_invalid")
    consumed = OtpChallenge.objects.filter(pk=challenge.pk, consumed_at__isnull=True).update(
        consumed_at=now
    )
    if consumed != 1:
        raise ValidationFailed("The code has already been used.", code="otp_expired")


def member_tier_set(*, member_id: int, tier: str) -> None:
    """Set a member's tier (the loyalty tier rules decide which; they keep the history)."""
    if tier not in MEMBER_TIERS:
        raise ValidationFailed(f"Unknown tier {tier!r}.", code="tier_unknown")
    Member.objects.filter(pk=member_id).update(tier=tier)
