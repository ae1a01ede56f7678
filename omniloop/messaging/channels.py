"""The three ways out, behind one small interface: who is reachable on a channel (for a batch
of members, when the worker decides) and how to send one rendered message there.

`idempotent` says whether the provider takes our message id as its client reference and so
recognises a resend: SMS (OutId) does; SMTP and WeChat template messages do not (ADR 25)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils.html import escape, linebreaks

from omniloop.core import clock, crypto
from omniloop.core.phones import Phone
from omniloop.core.sms import SmsError, SmsKind, SmsMessage, send_sms
from omniloop.members.models import IdentityKind, MemberIdentity
from omniloop.messaging.links import open_pixel_url, unsubscribe_url
from omniloop.messaging.models import Message, MessagingProfile
from omniloop.messaging.templates import SMS_OPT_OUT
from omniloop.messaging.values import Channel, DeliveryError, MessageKind, Rendered, SendResult
from omniloop.wechat.errors import WechatApiError
from omniloop.wechat.messages import (
    CUSTOMER_SERVICE_WINDOW,
    wechat_customer_service_send,
    wechat_template_send,
)
from omniloop.wechat.models import WechatFollower
from omniloop.wechat.subscriptions import subscriptions_accepted, wechat_subscription_send

EMAIL_CONTEXT = b"messaging.email"


@dataclass(frozen=True)
class Outgoing:
    message: Message
    rendered: Rendered
    language: str
    address: str | None  # openid, E.164 number or e-mail address, looked up for the batch


def _unreachable() -> DeliveryError:
    return DeliveryError("The member cannot be reached here.", code="unreachable", retryable=False)


class ChannelSender(Protocol):
    channel: Channel
    idempotent: bool

    def reachable(self, member_ids: Iterable[int]) -> set[int]: ...

    def addresses(self, member_ids: Iterable[int]) -> dict[int, str]: ...

    def send(self, out: Outgoing) -> SendResult: ...


class WechatSender:
    channel = Channel.WECHAT
    idempotent = False

    def reachable(self, member_ids: Iterable[int]) -> set[int]:
        if not settings.OMNILOOP_MESSAGING_WECHAT_TEMPLATE_ID:
            return set()
        rows = WechatFollower.objects.filter(member_id__in=list(member_ids), subscribed=True)
        return {m for m in rows.values_list("member_id", flat=True) if m is not None}

    def addresses(self, member_ids: Iterable[int]) -> dict[int, str]:
        rows = WechatFollower.objects.filter(
            member_id__in=list(member_ids), subscribed=True
        ).order_by(F("last_interaction_at").asc(nulls_first=True), "id")  # the latest wins
        return {m: o for m, o in rows.values_list("member_id", "openid") if m is not None}

    def send(self, out: Outgoing) -> SendResult:
        openid = out.address
        if openid is None:
            raise _unreachable()
        data = {"first": out.rendered.subject, "remark": out.rendered.text}
        try:
            msgid = wechat_template_send(
                openid=openid,
                template_id=settings.OMNILOOP_MESSAGING_WECHAT_TEMPLATE_ID,
                data=data,
            )
        except WechatApiError as exc:
            raise DeliveryError(exc.message, code=exc.code, retryable=exc.retryable) from exc
        return SendResult(provider_id=f"wx:{msgid}")


class WechatCsSender:
    """Customer-service messages (客服消息): free text to a follower who acted in the last 48
    hours. Reachable means a subscribed follower inside the window now; the window is checked
    again when sending (`wechat_customer_service_send`), and a window that closed in between
    fails the message clearly (`wechat_window_closed`, not retried)."""

    channel = Channel.WECHAT_CS
    idempotent = False

    def _open(self, member_ids: Iterable[int]) -> list[tuple[int, str]]:
        since = clock.now() - CUSTOMER_SERVICE_WINDOW
        rows = WechatFollower.objects.filter(
            member_id__in=list(member_ids), subscribed=True, last_interaction_at__gt=since
        ).order_by("last_interaction_at", "id")  # the latest wins
        return [(m, o) for m, o in rows.values_list("member_id", "openid") if m is not None]

    def reachable(self, member_ids: Iterable[int]) -> set[int]:
        return {m for m, _ in self._open(member_ids)}

    def window_closed(self, member_ids: Iterable[int]) -> set[int]:
        """Followers whose window is closed: told apart from those who do not follow."""
        ids = list(member_ids)
        following = WechatFollower.objects.filter(member_id__in=ids, subscribed=True)
        return set(following.values_list("member_id", flat=True)) - self.reachable(ids)

    def followers(self, openids: Iterable[str]) -> tuple[set[str], set[str]]:
        """Of these openids (followers who have not joined, ADR 40): those inside the window
        now, and those following at all."""
        since = clock.now() - CUSTOMER_SERVICE_WINDOW
        rows = WechatFollower.objects.filter(openid__in=list(openids), subscribed=True)
        following = set(rows.values_list("openid", flat=True))
        open_ = set(rows.filter(last_interaction_at__gt=since).values_list("openid", flat=True))
        return open_, following

    def addresses(self, member_ids: Iterable[int]) -> dict[int, str]:
        # Every follower, window open or not: the send checks the window again and says so.
        rows = WechatFollower.objects.filter(
            member_id__in=list(member_ids), subscribed=True
        ).order_by(F("last_interaction_at").asc(nulls_first=True), "id")  # the latest wins
        return {m: o for m, o in rows.values_list("member_id", "openid") if m is not None}

    def send(self, out: Outgoing) -> SendResult:
        if out.address is None:
            raise _unreachable()
        try:
            wechat_customer_service_send(openid=out.address, text=out.rendered.text)
        except WechatApiError as exc:
            raise DeliveryError(exc.message, code=exc.code, retryable=exc.retryable) from exc
        return SendResult(provider_id="")


@dataclass(frozen=True)
class SubTemplate:
    """How one of our templates goes out as a subscription notice (settings)."""

    template_id: str
    fields: dict[str, str]
    page: str = ""


def sub_template(template_key: str) -> SubTemplate | None:
    conf = settings.OMNILOOP_MESSAGING_WECHAT_SUB_TEMPLATES.get(template_key)
    if not conf or not conf.get("template_id"):
        return None
    fields = conf.get("fields") or {"thing1": "subject", "thing2": "text"}
    return SubTemplate(
        template_id=str(conf["template_id"]),
        fields={str(k): str(v) for k, v in dict(fields).items()},  # type: ignore[call-overload]
        page=str(conf.get("page") or ""),
    )


# WeChat's limits on a subscription notice's field values by the field's kind (its name
# without the number): thing 20 characters, character_string 32, phrase 5, others 20.
_FIELD_LIMITS = {"thing": 20, "character_string": 32, "phrase": 5, "name": 10, "number": 32}


def sub_data(sub: SubTemplate, out: Outgoing) -> dict[str, str]:
    data = {}
    for key, source in sub.fields.items():
        if source == "subject":
            value = out.rendered.subject
        elif source == "text":
            value = out.rendered.text
        else:
            value = str(out.message.context.get(source, ""))
        limit = _FIELD_LIMITS.get(key.rstrip("0123456789"), 20)
        data[key] = value if len(value) <= limit else value[: limit - 1] + "…"
    return data


class WechatSubSender:
    """Subscription notices (订阅通知, ADR 39) through `bizsend`. Reachable for a message only
    when the member's follower holds an accepted subscription for the WeChat template the
    message's template maps to (`accepted`, checked per template by the policy); the send
    checks it again. A refusal (43101, or withdrawn meanwhile) is not retried: the
    subscription is withdrawn and the message decided again (`fallback`)."""

    channel = Channel.WECHAT_SUB
    idempotent = False

    def accepted(self, member_ids: Iterable[int]) -> dict[tuple[int, str], str]:
        return subscriptions_accepted(member_ids)

    def reachable(self, member_ids: Iterable[int]) -> set[int]:
        return {m for m, _ in self.accepted(member_ids)}

    def addresses(self, member_ids: Iterable[int]) -> dict[int, str]:
        # The openid is chosen per template when sending; this is only "has one".
        return {m: o for (m, _), o in self.accepted(member_ids).items()}

    def send(self, out: Outgoing) -> SendResult:
        sub = sub_template(out.message.template)
        member_id = out.message.member_id
        if sub is None or out.address is None or member_id is None:
            raise _unreachable()
        openid = self.accepted([member_id]).get((member_id, sub.template_id))
        if openid is None:
            raise DeliveryError(
                "No accepted subscription for this template.",
                code="wechat_sub_refused",
                retryable=False,
                fallback=True,
            )
        try:
            msgid = wechat_subscription_send(
                openid=openid, template_id=sub.template_id, data=sub_data(sub, out), page=sub.page
            )
        except WechatApiError as exc:
            raise DeliveryError(
                exc.message,
                code=exc.code,
                retryable=exc.retryable,
                fallback=exc.code == "wechat_sub_refused",
            ) from exc
        # The receipt (subscribe_msg_sent_event) names template and msgid; bizsend may not
        # return the msgid, so the receipt then finds the message by template (services).
        return SendResult(provider_id=f"wxs:{sub.template_id}:{msgid}"[:128])


def _phones(member_ids: Iterable[int]) -> dict[int, bytes]:
    rows = MemberIdentity.objects.filter(
        member_id__in=list(member_ids), kind=IdentityKind.PHONE, cipher__isnull=False
    ).order_by("created_at")
    return {m: bytes(c) for m, c in rows.values_list("member_id", "cipher") if c is not None}


def sms_text(out: Outgoing) -> str:
    if out.message.kind == MessageKind.MARKETING:
        return f"{out.rendered.text} {SMS_OPT_OUT.get(out.language, SMS_OPT_OUT['zh-hans'])}"
    return out.rendered.text


class SmsSender:
    channel = Channel.SMS
    idempotent = True

    def reachable(self, member_ids: Iterable[int]) -> set[int]:
        return set(_phones(member_ids))

    def addresses(self, member_ids: Iterable[int]) -> dict[int, str]:
        return {m: Phone.decrypt(c).e164 for m, c in _phones(member_ids).items()}

    def send(self, out: Outgoing) -> SendResult:
        if out.address is None:
            raise _unreachable()
        kind = SmsKind.MARKETING if out.message.kind == MessageKind.MARKETING else SmsKind.NOTICE
        sms = SmsMessage(
            to_e164=out.address,
            text=sms_text(out),
            kind=kind,
            reference=out.message.uid.hex,
        )
        try:
            return SendResult(provider_id=send_sms(sms))
        except SmsError as exc:
            raise DeliveryError(str(exc), code=exc.code, retryable=exc.retryable) from exc


def email_encrypt(address: str) -> bytes:
    return crypto.encrypt(address, context=EMAIL_CONTEXT)


def email_decrypt(blob: bytes | memoryview) -> str:
    return crypto.decrypt(bytes(blob), context=EMAIL_CONTEXT)


class EmailSender:
    channel = Channel.EMAIL
    idempotent = False  # at-least-once: the Message-ID header lets a mail client drop a twin

    def reachable(self, member_ids: Iterable[int]) -> set[int]:
        rows = MessagingProfile.objects.filter(
            member_id__in=list(member_ids),
            email_cipher__isnull=False,
            email_unreachable_at__isnull=True,  # a hard bounce (ADR 39)
        )
        return set(rows.values_list("member_id", flat=True))

    def addresses(self, member_ids: Iterable[int]) -> dict[int, str]:
        rows = MessagingProfile.objects.filter(
            member_id__in=list(member_ids),
            email_cipher__isnull=False,
            email_unreachable_at__isnull=True,
        ).values_list("member_id", "email_cipher")
        return {m: email_decrypt(c) for m, c in rows if c is not None}

    def send(self, out: Outgoing) -> SendResult:
        if out.address is None:
            raise _unreachable()
        link = unsubscribe_url(out.message)
        footer = {
            "zh-hans": f"退订邮件: {link}",
            "en": f"Unsubscribe: {link}",
        }[out.language if out.language == "en" else "zh-hans"]
        message_id = f"<{out.message.uid.hex}@{settings.OMNILOOP_MESSAGING_EMAIL_DOMAIN}>"
        mail = EmailMultiAlternatives(
            subject=out.rendered.subject,
            body=f"{out.rendered.text}\n\n-- \n{footer}\n",
            from_email=settings.OMNILOOP_MESSAGING_EMAIL_FROM,
            to=[out.address],
            headers={
                "Message-ID": message_id,
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        html = (
            f"{linebreaks(escape(out.rendered.text))}"
            f'<p style="font-size:12px;color:#666">'
            f'<a href="{escape(link)}">{escape(footer)}</a></p>'
            f'<img src="{escape(open_pixel_url(out.message))}" width="1" height="1" alt="">'
        )
        mail.attach_alternative(html, "text/html")
        try:
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(str(exc)[:200], code="email_refused", retryable=False) from exc
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise DeliveryError(
                str(exc)[:200], code=f"smtp_{exc.smtp_code}", retryable=not permanent
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(str(exc)[:200], code="email_unavailable", retryable=True) from exc
        return SendResult(provider_id=message_id)


_senders: dict[str, ChannelSender] = {
    Channel.WECHAT: WechatSender(),
    Channel.SMS: SmsSender(),
    Channel.EMAIL: EmailSender(),
    Channel.WECHAT_CS: WechatCsSender(),
    Channel.WECHAT_SUB: WechatSubSender(),
}


def channel_sender(channel: str) -> ChannelSender:
    return _senders[channel]


def register_channel_sender(sender: ChannelSender) -> None:
    """Replace a channel's sender (tests, or a deployment with its own gateway)."""
    _senders[sender.channel] = sender
