"""Rationing and consent, decided when a message is about to be sent (ADR 25).

For a claimed batch: the member's consent now in force (latest record per channel), their
reachability per channel, their time zone (home store, else the brand's) and what they were
already sent inside the cap windows. A marketing message needs consent on the channel, must fall
outside quiet hours (else it waits for their end) and under every cap (per channel and across
channels); a transactional one needs only reachability. A message without a fixed channel takes
the first channel of the fallback order that passes. The caller holds the per-member locks, so
the counts cannot move under it."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings

from omniloop.attribution.models import MemberBinding
from omniloop.core.brand import brand_settings
from omniloop.members.models import ConsentRecord, Member
from omniloop.messaging.channels import channel_sender, sub_template
from omniloop.messaging.models import Message
from omniloop.messaging.templates import template_get
from omniloop.messaging.values import (
    COUNTED,
    FALLBACK_ORDER,
    Channel,
    MessageKind,
    Reason,
    consent_channel,
)


@dataclass(frozen=True)
class Cap:
    channel: str  # "*" for across channels
    limit: int
    window: timedelta


def caps() -> list[Cap]:
    return [
        Cap(channel=c, limit=int(n), window=timedelta(days=float(d)))
        for c, n, d in settings.OMNILOOP_MESSAGING_CAPS
    ]


def quiet_until(now: datetime, tz: zoneinfo.ZoneInfo) -> datetime | None:
    """When the quiet hours around `now` end in `tz`, or None outside them."""
    start, end = settings.OMNILOOP_MESSAGING_QUIET_HOURS
    if start == end:
        return None
    local = now.astimezone(tz)
    hour = local.hour
    inside = start <= hour or hour < end if start > end else start <= hour < end
    if not inside:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=tz)


@dataclass
class Context:
    """What the policy knows about the members of one batch."""

    now: datetime
    status: dict[int, str]
    consent: dict[tuple[int, str], bool]
    reachable: dict[str, set[int]]
    tz: dict[int, zoneinfo.ZoneInfo]
    sent: dict[int, list[tuple[str, datetime]]] = field(default_factory=dict)
    # Members who follow but whose 48-hour customer-service window is closed.
    window_closed: set[int] = field(default_factory=set)
    # (member, WeChat template id) with an accepted subscription notice (ADR 39).
    subscriptions: set[tuple[int, str]] = field(default_factory=set)
    # Followers who have not joined (messages by openid, ADR 40): inside the window, following.
    followers_open: set[str] = field(default_factory=set)
    followers_following: set[str] = field(default_factory=set)


def context_load(member_ids: set[int], *, now: datetime, openids: Iterable[str] = ()) -> Context:
    ids = list(member_ids)
    consent: dict[tuple[int, str], bool] = {}
    rows = ConsentRecord.objects.filter(member_id__in=ids).order_by("recorded_at", "pk")
    for member_id, channel, granted in rows.values_list("member_id", "channel", "granted"):
        consent[(member_id, channel)] = granted
    brand_tz = zoneinfo.ZoneInfo(brand_settings().timezone or "Asia/Shanghai")
    tz = {m: brand_tz for m in ids}
    for member_id, name in MemberBinding.objects.filter(member_id__in=ids).values_list(
        "member_id", "store__timezone"
    ):
        tz[member_id] = zoneinfo.ZoneInfo(name)
    horizon = now - max((c.window for c in caps()), default=timedelta(0))
    sent: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    counted = Message.objects.filter(
        member_id__in=ids, kind=MessageKind.MARKETING, status__in=COUNTED, counted_at__gt=horizon
    )
    for member_id, channel, at in counted.values_list("member_id", "channel", "counted_at"):
        if at is not None:
            sent[member_id].append((channel, at))
    followers_open, following = _followers(set(openids))
    return Context(
        now=now,
        status=dict(Member.objects.filter(id__in=ids).values_list("id", "status")),
        consent=consent,
        # wechat_sub is reachable per template: `subscriptions` below, one query.
        reachable={
            c: channel_sender(c).reachable(ids) for c in Channel.values if c != Channel.WECHAT_SUB
        },
        tz=tz,
        sent=sent,
        window_closed=_window_closed(ids),
        subscriptions=_subscriptions(ids),
        followers_open=followers_open,
        followers_following=following,
    )


def _followers(openids: set[str]) -> tuple[set[str], set[str]]:
    load = getattr(channel_sender(Channel.WECHAT_CS), "followers", None)
    return load(openids) if openids and load is not None else (set(), set())


def _subscriptions(ids: list[int]) -> set[tuple[int, str]]:
    accepted = getattr(channel_sender(Channel.WECHAT_SUB), "accepted", None)
    return set(accepted(ids)) if accepted is not None else set()


def _window_closed(ids: list[int]) -> set[int]:
    sender = channel_sender(Channel.WECHAT_CS)
    closed = getattr(sender, "window_closed", None)
    return set(closed(ids)) if closed is not None else set()


@dataclass(frozen=True)
class Decision:
    action: str  # "send", "defer", "suppress"
    channel: str = ""
    reason: str = ""
    until: datetime | None = None
    skipped: str = ""  # the channels passed over before `channel`, and why


def _under_caps(ctx: Context, member_id: int, channel: str) -> bool:
    history = ctx.sent.get(member_id, [])
    for cap in caps():
        family = consent_channel(channel)
        if cap.channel not in ("*", family):
            continue
        since = ctx.now - cap.window
        used = sum(
            1
            for ch, at in history
            if at > since and (cap.channel == "*" or consent_channel(ch) == family)
        )
        if used >= cap.limit:
            return False
    return True


def decide(message: Message, ctx: Context) -> Decision:
    """What to do with one claimed message now. A send is recorded in `ctx` at once, so a
    second message to the same member in the same batch sees it against the caps."""
    member_id = message.member_id
    if member_id is None:
        return _decide_for_follower(message, ctx)
    if ctx.status.get(member_id) != Member.Status.ACTIVE:
        return Decision("suppress", reason=Reason.MEMBER_GONE)
    if message.expires_at is not None and message.expires_at <= ctx.now:
        return Decision("suppress", reason=Reason.EXPIRED)
    marketing = message.kind == MessageKind.MARKETING
    if marketing:
        until = quiet_until(ctx.now, ctx.tz[member_id])
        if until is not None:
            return Decision("defer", until=until)
    tpl = template_get(message.template)
    order = tpl.channels if tpl is not None and tpl.channels else FALLBACK_ORDER
    sub = sub_template(message.template)
    if sub is not None and Channel.WECHAT_SUB not in order:
        # A template with a subscription notice tries it first: the member asked for it.
        order = (Channel.WECHAT_SUB, *order)
    candidates = [message.channel_requested] if message.channel_requested else order
    # Reported: the refusal of the channel that came closest (a cap beats no consent, which
    # beats a closed window, which beats unreachable), so "withdrew consent" is not hidden
    # behind "does not follow".
    refusal_rank = {
        Reason.UNREACHABLE: 0,
        Reason.WINDOW_CLOSED: 1,
        Reason.NO_CONSENT: 2,
        Reason.FREQUENCY_CAP: 3,
    }
    best = ""
    skipped: list[str] = []
    for channel in candidates:
        if channel == Channel.WECHAT_SUB:
            reachable = sub is not None and (member_id, sub.template_id) in ctx.subscriptions
        else:
            reachable = member_id in ctx.reachable.get(channel, set())
        if not reachable:
            closed = channel == Channel.WECHAT_CS and member_id in ctx.window_closed
            refusal = Reason.WINDOW_CLOSED if closed else Reason.UNREACHABLE
        elif marketing and not ctx.consent.get((member_id, consent_channel(channel)), False):
            refusal = Reason.NO_CONSENT
        elif marketing and not _under_caps(ctx, member_id, channel):
            refusal = Reason.FREQUENCY_CAP
        else:
            if marketing:
                ctx.sent.setdefault(member_id, []).append((channel, ctx.now))
            return Decision("send", channel=channel, skipped=" ".join(skipped)[:64])
        skipped.append(f"{channel}:{refusal}")
        if not best or refusal_rank[refusal] > refusal_rank[Reason(best)]:
            best = refusal
    return Decision("suppress", reason=best or Reason.UNREACHABLE, skipped=" ".join(skipped)[:64])


def _decide_for_follower(message: Message, ctx: Context) -> Decision:
    """A reply to a follower who has not joined: transactional, by WeChat customer service
    only, while their window is open (ADR 40)."""
    if message.expires_at is not None and message.expires_at <= ctx.now:
        return Decision("suppress", reason=Reason.EXPIRED)
    if message.kind == MessageKind.MARKETING:  # refused when queued; never sent without consent
        return Decision("suppress", reason=Reason.NO_CONSENT)
    if message.openid in ctx.followers_open:
        return Decision("send", channel=Channel.WECHAT_CS)
    following = message.openid in ctx.followers_following
    refusal = Reason.WINDOW_CLOSED if following else Reason.UNREACHABLE
    return Decision(
        "suppress", reason=refusal, skipped=f"{Channel.WECHAT_CS.value}:{refusal.value}"
    )


def consent_in_force(message: Message, ctx: Context) -> bool:
    if message.kind != MessageKind.MARKETING:
        return True
    member_id = message.member_id
    return member_id is not None and ctx.consent.get(
        (member_id, consent_channel(message.channel)), False
    )
