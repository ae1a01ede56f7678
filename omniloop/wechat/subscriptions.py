"""Subscription notices (订阅通知, ADR 39): what each follower answered per template, from the
callback events, and the send that honours it.

`subscribe_msg_popup_event` carries accept/reject per template id; `subscribe_msg_change_event`
a cancellation (reject) or a re-enable (accept) in WeChat's settings; a send WeChat refuses
with 43101 withdraws the subscription too. Every answer is a `WechatSubscriptionChange`; the
`WechatSubscription` holds the latest by WeChat's own time.

Most accounts get one-time subscriptions (一次性订阅): one accept in the popup allows one notice.
So a popup accept adds a credit, a send takes one first (a conditional UPDATE: parallel senders
cannot spend more than there is) and gives it back if WeChat answered with an error (nothing
was sent), and a rejection or withdrawal clears them. Templates the account holds as long-term
(长期订阅, `OMNILOOP_WECHAT_SUB_LONG_TERM`) need no credit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from omniloop.core import clock
from omniloop.wechat.adapter import WechatApi
from omniloop.wechat.errors import WechatApiError, WechatSubscriptionRefused
from omniloop.wechat.models import WechatFollower, WechatSubscription, WechatSubscriptionChange
from omniloop.wechat.values import SubscriptionItem

State = WechatSubscription.State
_ANSWERS = {"accept": State.ACCEPTED, "reject": State.REJECTED}


def subscription_record(
    *,
    follower: WechatFollower,
    template_id: str,
    state: str,
    source: str,
    at: datetime,
    detail: str = "",
) -> WechatSubscription:
    """Record one answer: history always, the standing state only if it is not older. A
    popup accept that stands adds a credit; a refusal that stands clears them."""
    credit = int(state == State.ACCEPTED and source == "popup")
    with transaction.atomic():
        sub, created = WechatSubscription.objects.select_for_update().get_or_create(
            follower=follower,
            template_id=template_id[:128],
            defaults={"state": state, "state_at": at, "credits": credit, "created_at": clock.now()},
        )
        if not created and at >= sub.state_at:
            sub.state, sub.state_at = state, at
            sub.credits = sub.credits + credit if state == State.ACCEPTED else 0
            sub.save(update_fields=["state", "state_at", "credits"])
        WechatSubscriptionChange.objects.create(
            subscription=sub, state=state, source=source[:16], at=at, detail=detail[:64]
        )
    return sub


def subscription_event(
    *, follower: WechatFollower, event: str, items: Iterable[SubscriptionItem], at: datetime
) -> str:
    """A popup or change event: each template's answer recorded. A cancellation in settings
    (change event, `reject`) is a withdrawal. Returns the outcome for the inbound row."""
    source = "popup" if event == "subscribe_msg_popup_event" else "change"
    counts = {"accepted": 0, "other": 0}
    for item in items:
        state = _ANSWERS.get(item.status.lower())
        if state is None:
            continue
        if source == "change" and state == State.REJECTED:
            state = State.WITHDRAWN
        subscription_record(
            follower=follower,
            template_id=item.template_id,
            state=state,
            source=source,
            at=at,
            detail=f"scene {item.popup_scene}" if item.popup_scene else "",
        )
        counts["accepted" if state == State.ACCEPTED else "other"] += 1
    return f"sub_{source}:{counts['accepted']}+{counts['other']}"


def subscriptions_accepted(member_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """(member id, template id) -> the openid holding an accepted subscription (the follower
    who acted last wins), for subscribed followers of these members."""
    rows = (
        WechatSubscription.objects.filter(
            _usable(),
            follower__member_id__in=list(member_ids),
            follower__subscribed=True,
            state=State.ACCEPTED,
        )
        .order_by("state_at", "pk")
        .values_list("follower__member_id", "template_id", "follower__openid")
    )
    return {(m, t): o for m, t, o in rows if m is not None}


def wechat_subscription_send(
    *, openid: str, template_id: str, data: dict[str, str], page: str = ""
) -> str:
    """Send a subscription notice; refused (`wechat_sub_refused`, 409) without an accepted
    subscription. WeChat's own refusal (43101) withdraws the subscription before it is raised,
    so the next decision passes this channel over. Returns WeChat's msgid or ""."""
    sub = (
        WechatSubscription.objects.filter(
            follower__openid=openid, template_id=template_id, follower__subscribed=True
        )
        .select_related("follower")
        .first()
    )
    if sub is None or sub.state != State.ACCEPTED:
        raise WechatSubscriptionRefused("No accepted subscription for this template.")
    one_time = template_id not in _long_term()
    if one_time and not _credit_take(sub.pk):
        raise WechatSubscriptionRefused("The follower's one-time subscription is used up.")
    try:
        return WechatApi().subscribe_send(
            openid=openid, template_id=template_id, data=data, page=page
        )
    except WechatSubscriptionRefused as exc:
        subscription_record(
            follower=sub.follower,
            template_id=template_id,
            state=State.WITHDRAWN,
            source="send_refused",
            at=clock.now(),
            detail=f"errcode {exc.errcode}",
        )
        raise
    except WechatApiError as exc:
        if one_time and exc.errcode is not None:  # WeChat answered: nothing was sent
            WechatSubscription.objects.filter(pk=sub.pk).update(credits=F("credits") + 1)
        raise


def _long_term() -> frozenset[str]:
    return frozenset(getattr(settings, "OMNILOOP_WECHAT_SUB_LONG_TERM", ()))


def _usable() -> Q:
    """An accepted subscription that can take a notice now: a credit left, or long-term."""
    return Q(credits__gt=0) | Q(template_id__in=list(_long_term()))


def _credit_take(pk: int) -> bool:
    """Take one credit, or say there is none: one conditional UPDATE, autocommitted unless the
    caller holds a transaction, so two senders never spend the same credit."""
    taken = WechatSubscription.objects.filter(pk=pk, state=State.ACCEPTED, credits__gt=0).update(
        credits=F("credits") - 1
    )
    return taken == 1
