"""Writes of messaging beyond the outbox: a member's profile, consent withdrawn by an
unsubscribe link or an SMS reply, delivery receipts, opens and clicks."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction

from omniloop.audit.services import audit_record
from omniloop.core import clock, crypto
from omniloop.core.errors import ValidationFailed
from omniloop.core.phones import parse_phone
from omniloop.members.models import ConsentChannel, IdentityKind, Member, MemberIdentity
from omniloop.members.services import consent_record
from omniloop.messaging.channels import email_encrypt
from omniloop.messaging.events import outcomes_notify
from omniloop.messaging.models import EmailFeedback, Message, MessageEvent, MessagingProfile
from omniloop.messaging.values import Channel, EventKind, Reason, Status
from omniloop.wechat.listeners import SubscriptionSent, TemplateJobFinished
from omniloop.wechat.models import WechatFollower

# Replies that mean "stop sending me SMS" (退订). Compared after trimming, case-insensitively.
SMS_OPT_OUT_REPLIES = frozenset({"t", "td", "n", "退订", "unsubscribe", "stop"})


def email_index(address: str) -> str:
    """The keyed digest an address is found by (bounces reported by address)."""
    return crypto.blind_index(address.strip().lower(), purpose="email")


def _mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def messaging_profile_set(
    *, member: Member, language: str | None = None, email: str | None = None
) -> MessagingProfile:
    """Set the language of a member's messages and/or their e-mail address ("" removes it)."""
    profile, _ = MessagingProfile.objects.get_or_create(member=member)
    if language is not None:
        if language not in MessagingProfile.Language.values:
            raise ValidationFailed("Unknown language.", code="language_invalid")
        profile.language = language
    if email is not None:
        address = email.strip()
        if address and ("@" not in address or len(address) > 254 or " " in address):
            raise ValidationFailed("Enter a valid e-mail address.", code="email_invalid")
        profile.email_cipher = email_encrypt(address) if address else None
        profile.email_masked = _mask_email(address) if address else ""
        profile.email_index = email_index(address) if address else ""
        # A new address has not bounced (ADR 39).
        profile.email_unreachable_at, profile.email_unreachable_reason = None, ""
    profile.save()
    return profile


def _event(message: Message, kind: str, *, at: datetime | None = None, detail: str = "") -> None:
    MessageEvent.objects.create(message=message, kind=kind, at=at or clock.now(), detail=detail)


@transaction.atomic
def email_unsubscribe(*, message_uid: str) -> Member | None:
    """The unsubscribe link of an e-mail: e-mail consent withdrawn, from now on and for the
    marketing messages already queued (the worker checks consent when it sends)."""
    message = Message.objects.filter(uid=message_uid).select_related("member").first()
    if message is None or message.member is None:
        return None
    consent_record(
        member=message.member,
        channel=ConsentChannel.EMAIL,
        granted=False,
        source=f"unsubscribe:{message.uid.hex[:16]}",
    )
    return message.member


def sms_reply_received(*, phone: str, text: str) -> int:
    """An SMS reply (上行短信). An opt-out ('T', 'TD', '退订') withdraws the SMS consent of
    every member on that number; returns how many members that was (0 for other replies)."""
    if text.strip().lower() not in SMS_OPT_OUT_REPLIES:
        return 0
    try:
        index = parse_phone(phone).index
    except ValidationFailed:
        return 0
    member_ids = MemberIdentity.objects.filter(kind=IdentityKind.PHONE, value=index).values_list(
        "member_id", flat=True
    )
    with transaction.atomic():
        members = list(Member.objects.filter(id__in=list(member_ids)))
        for member in members:
            consent_record(
                member=member, channel=ConsentChannel.SMS, granted=False, source="sms_reply"
            )
    return len(members)


def delivery_receipt_record(
    *, provider_id: str = "", reference: str = "", delivered: bool, at: datetime, detail: str = ""
) -> bool:
    """A provider's delivery receipt (状态报告), found by our reference (OutId) or its id."""
    query = Message.objects.all()
    if reference:
        try:
            query = query.filter(uid=uuid.UUID(reference))
        except ValueError:
            return False
    elif provider_id:
        query = query.filter(provider_id=provider_id)
    else:
        return False
    with transaction.atomic():
        message = query.select_for_update().first()
        if message is None:
            return False
        kind = EventKind.DELIVERED if delivered else EventKind.UNDELIVERED
        _event(message, kind, at=at, detail=detail[:300])
        if delivered and message.status == Status.SENT:
            message.status, message.delivered_at = Status.DELIVERED, at
            message.save(update_fields=["status", "delivered_at"])
    return True


def message_tracked(*, message_uid: str, kind: str, detail: str = "") -> bool:
    """An open (pixel) or a click (redirect) of a message."""
    message = Message.objects.filter(uid=message_uid).first()
    if message is None:
        return False
    _event(message, kind, detail=detail[:300])
    return True


# WeChat's TEMPLATESENDJOBFINISH statuses: delivered, or why not (stable codes in last_error).
WECHAT_RECEIPT_FAILURES = {
    "failed:user block": "wechat_user_block",  # the user refused the account's messages
    "failed: system failed": "wechat_system_failed",
}


def wechat_receipt_record(receipt: TemplateJobFinished) -> bool:
    """A template message's receipt (wechat listener): the outbox message sent under that msgid
    (`provider_id` "wx:<msgid>") becomes delivered, or failed (`undelivered`) with the reason.
    A receipt repeated or for a message we do not know changes nothing more."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(provider_id=f"wx:{receipt.msgid}", channel=Channel.WECHAT)
            .first()
        )
        if message is None:
            return False
        delivered = receipt.status == "success"
        code = WECHAT_RECEIPT_FAILURES.get(receipt.status, "wechat_undelivered")
        _wechat_receipt_apply(
            message, delivered=delivered, at=receipt.at, status=receipt.status, error=code
        )
    return True


def _wechat_receipt_apply(
    message: Message,
    *,
    delivered: bool,
    at: datetime,
    status: str,
    error: str,
    fields: tuple[str, ...] = (),
) -> None:
    """A WeChat receipt on a locked message, once per kind: the event, and a `sent` message
    delivered or failed (`undelivered`, `error: status` in last_error)."""
    kind = EventKind.DELIVERED if delivered else EventKind.UNDELIVERED
    if MessageEvent.objects.filter(message=message, kind=kind).exists():
        return
    _event(message, kind, at=at, detail=status[:300])
    changed = list(fields)
    if message.status == Status.SENT:
        if delivered:
            message.status, message.delivered_at = Status.DELIVERED, at
            changed += ["status", "delivered_at"]
        else:
            message.status, message.reason = Status.FAILED, Reason.UNDELIVERED
            message.last_error = f"{error}: {status}"[:300]
            changed += ["status", "reason", "last_error"]
    if changed:
        message.save(update_fields=changed)
    outcomes_notify([message.pk])


WECHAT_SUB_RECEIPT_FAILURES = {
    "failed:user block": "wechat_user_block",
    "failed:system failed": "wechat_system_failed",
    "failed: system failed": "wechat_system_failed",
}


def _sub_message(receipt: SubscriptionSent) -> Message | None:
    """The subscription notice a receipt is for: by msgid when the send returned one, else the
    member's oldest notice of that template still waiting for its receipt (WeChat answers in
    order; the receipt's msgid is then recorded on it)."""
    query = Message.objects.select_for_update().filter(channel=Channel.WECHAT_SUB)
    if receipt.msgid:
        exact = query.filter(provider_id=f"wxs:{receipt.template_id}:{receipt.msgid}").first()
        if exact is not None:
            return exact
    member_ids = WechatFollower.objects.filter(openid=receipt.openid).values_list(
        "member_id", flat=True
    )
    return (
        query.filter(
            member_id__in=[m for m in member_ids if m is not None],
            provider_id=f"wxs:{receipt.template_id}:",
            status=Status.SENT,
        )
        .order_by("sent_at", "pk")
        .first()
    )


def wechat_sub_receipt_record(receipt: SubscriptionSent) -> bool:
    """A subscription notice's receipt (subscribe_msg_sent_event, wechat listener), like a
    template message's (ADR 31): delivered, or failed (`undelivered`) with the reason. A repeat
    or a receipt for nothing we sent changes nothing more."""
    with transaction.atomic():
        message = _sub_message(receipt)
        if message is None:
            return False
        delivered = receipt.status == "success" and receipt.error_code == 0
        fields: tuple[str, ...] = ()
        if receipt.msgid and message.provider_id.endswith(":"):
            message.provider_id = f"{message.provider_id}{receipt.msgid}"[:128]
            fields = ("provider_id",)
        code = WECHAT_SUB_RECEIPT_FAILURES.get(receipt.status, "wechat_undelivered")
        _wechat_receipt_apply(
            message,
            delivered=delivered,
            at=receipt.at,
            status=f"{receipt.status} ({receipt.error_code})",
            error=code,
            fields=fields,
        )
    return True


FEEDBACK_KINDS = frozenset(EmailFeedback.Kind.values)


def _feedback_target(message_uid: str, address: str) -> tuple[Message | None, list[int]]:
    """The message (by our uid, the `Message-ID` we sent) and the members concerned: the
    message's member, else every member whose address matches."""
    message = None
    if message_uid:
        try:
            message = Message.objects.filter(uid=uuid.UUID(message_uid)).first()
        except ValueError:
            message = None
    if message is not None:
        return message, [message.member_id] if message.member_id is not None else []
    if address:
        rows = MessagingProfile.objects.filter(email_index=email_index(address))
        return None, list(rows.values_list("member_id", flat=True))
    return None, []


def email_feedback_record(
    *,
    event_id: str,
    kind: str,
    message_uid: str = "",
    address: str = "",
    at: datetime,
    detail: str = "",
) -> str:
    """One bounce or complaint from the mail provider (ADR 39), once per `event_id`:
    - a hard bounce marks the member's e-mail unreachable (the policy skips e-mail after it);
    - a complaint (the member pressed "spam") withdraws e-mail consent, recorded and audited
      like an unsubscribe;
    - a soft bounce is recorded only.
    Returns the outcome: `duplicate`, `unknown` (no message or address of ours: recorded,
    nothing changed) or the kind."""
    if kind not in FEEDBACK_KINDS:
        raise ValidationFailed("Unknown feedback kind.", code="email_feedback_kind")
    if not event_id.strip():
        raise ValidationFailed("An event id is required.", code="email_feedback_event_id")
    message, member_ids = _feedback_target(message_uid, address)
    with transaction.atomic():
        _, created = EmailFeedback.objects.get_or_create(
            event_id=event_id[:128],
            defaults={
                "kind": kind,
                "message": message,
                "member_id": member_ids[0] if len(member_ids) == 1 else None,
                "detail": detail[:200],
                "occurred_at": at,
                "received_at": clock.now(),
            },
        )
        if not created:
            return "duplicate"
        if not member_ids:
            return "unknown"
        members = list(Member.objects.filter(id__in=member_ids).order_by("pk"))
        for member in members:
            if kind == EmailFeedback.Kind.HARD_BOUNCE:
                MessagingProfile.objects.filter(
                    member=member, email_unreachable_at__isnull=True
                ).update(email_unreachable_at=at, email_unreachable_reason=detail[:64])
            elif kind == EmailFeedback.Kind.COMPLAINT:
                consent_record(
                    member=member,
                    channel=ConsentChannel.EMAIL,
                    granted=False,
                    source=f"complaint:{event_id}"[:64],
                    at=at,
                )
                audit_record(
                    action="messaging.email_complaint",
                    target_type="member",
                    target_id=member.pk,
                    summary="E-mail consent withdrawn by a spam complaint.",
                )
    return kind
