"""The delivery worker: claim a batch, decide, send, record (ADR 25).

1. **Claim** (one short transaction): due queued rows and rows whose lease ran out, with
   `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so parallel workers take disjoint
   batches. SQLite has no row locks; its IMMEDIATE transactions take the write lock first, so
   one claimer at a time holds it and the same code is safe. The members of the batch are then
   locked (transaction-scoped advisory locks in id order) before their consent, reachability
   and sent counts are read, so caps hold across workers. Each message to send becomes
   `sending` with a lease and `attempts + 1` (its fencing token) and is counted towards caps.
2. **Send**, outside any transaction, each with our message id as the provider's client
   reference.
3. **Record** (one transaction): each outcome is written only `WHERE status = 'sending' AND
   attempts = <claimed>`, so a worker whose lease ran out cannot overwrite a newer attempt.

A worker killed anywhere leaves either nothing (claim rolled back), or `sending` rows whose
lease runs out and which the next claim sends again under the same reference: an idempotent
provider (SMS) recognises it; for WeChat, which takes no reference, the message fails as
`outcome_unknown` rather than risk a second push; e-mail is sent again (at least once)."""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from omniloop.core import clock
from omniloop.messaging.channels import Outgoing, channel_sender
from omniloop.messaging.events import outcomes_notify
from omniloop.messaging.links import tracked_context
from omniloop.messaging.models import Message, MessagingProfile
from omniloop.messaging.policy import Context, consent_in_force, context_load, decide
from omniloop.messaging.templates import template_get
from omniloop.messaging.values import Channel, DeliveryError, Reason, SendResult, Status

log = logging.getLogger("omniloop.messaging")
ADVISORY_NAMESPACE = 0x6D736731  # "msg1": our advisory locks' first key


@dataclass
class Claimed:
    message: Message
    attempt: int
    language: str


@dataclass
class BatchResult:
    claimed: int = 0
    counts: Counter[str] = field(default_factory=Counter)


def backoff(attempts: int) -> timedelta:
    """Exponential, capped, with +-20% jitter so a burst of failures does not retry in step."""
    base = settings.OMNILOOP_MESSAGING_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    seconds = min(base, settings.OMNILOOP_MESSAGING_BACKOFF_MAX_SECONDS)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def _claim_ids(now: datetime, size: int) -> list[int]:
    table = Message._meta.db_table
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = (
        f"SELECT id FROM {table} WHERE "  # noqa: S608 (our table name)
        "((status = 'queued' AND due_at <= %s) OR (status = 'sending' AND lease_until < %s)) "
        f"ORDER BY due_at LIMIT %s{lock}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [now, now, size])
        return [r[0] for r in cur.fetchall()]


def _lock_members(member_ids: set[int]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: the claim already holds the database's only write lock
    with connection.cursor() as cur:
        for member_id in sorted(member_ids):
            cur.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [ADVISORY_NAMESPACE, member_id % 2_147_483_647],
            )


def _settle(msg: Message, **values: object) -> None:
    for k, v in values.items():
        setattr(msg, k, v)


def claim_batch(*, size: int, now: datetime | None = None) -> tuple[int, list[Claimed]]:
    """Claim up to `size` due messages and decide each: returns how many were claimed and
    those to send now (the others were deferred, suppressed or failed in the claim)."""
    now = now or clock.now()
    lease = timedelta(seconds=settings.OMNILOOP_MESSAGING_LEASE_SECONDS)
    with transaction.atomic():
        ids = _claim_ids(now, size)
        if not ids:
            return 0, []
        messages = list(Message.objects.filter(id__in=ids).order_by("due_at", "id"))
        members = {m.member_id for m in messages if m.member_id is not None}
        _lock_members(members)
        followers = {m.openid for m in messages if m.member_id is None}
        ctx: Context = context_load(members, now=now, openids=followers)
        languages: dict[int | None, str] = dict(
            MessagingProfile.objects.filter(member_id__in=members).values_list(
                "member_id", "language"
            )
        )
        out: list[Claimed] = []
        changed: list[Message] = []
        for msg in messages:
            if msg.status == Status.SENDING:  # a lease ran out: the worker died mid-send
                if msg.channel in (Channel.WECHAT, Channel.WECHAT_CS, Channel.WECHAT_SUB):
                    # no client reference:
                    _settle(  # never risk a twin
                        msg, status=Status.FAILED, reason=Reason.OUTCOME_UNKNOWN, lease_until=None
                    )
                elif not consent_in_force(msg, ctx):
                    _settle(
                        msg, status=Status.SUPPRESSED, reason=Reason.NO_CONSENT, lease_until=None
                    )
                else:
                    _settle(msg, attempts=msg.attempts + 1, lease_until=now + lease)
                    out.append(Claimed(msg, msg.attempts, languages.get(msg.member_id, "zh-hans")))
                changed.append(msg)
                continue
            if template_get(msg.template) is None:
                _settle(msg, status=Status.FAILED, reason=Reason.TEMPLATE_UNKNOWN)
                changed.append(msg)
                continue
            decision = decide(msg, ctx)
            if decision.action == "defer":
                _settle(msg, due_at=decision.until)
            elif decision.action == "suppress":
                _settle(
                    msg,
                    status=Status.SUPPRESSED,
                    reason=decision.reason,
                    lease_until=None,
                    skipped=decision.skipped,
                )
            else:
                _settle(
                    msg,
                    status=Status.SENDING,
                    channel=decision.channel,
                    skipped=decision.skipped,
                    attempts=msg.attempts + 1,
                    lease_until=now + lease,
                    counted_at=now,
                )
                out.append(Claimed(msg, msg.attempts, languages.get(msg.member_id, "zh-hans")))
            changed.append(msg)
        Message.objects.bulk_update(
            changed,
            [
                "status",
                "reason",
                "channel",
                "attempts",
                "lease_until",
                "counted_at",
                "due_at",
                "skipped",
            ],
        )
        outcomes_notify(m.id for m in changed if m.status in (Status.FAILED, Status.SUPPRESSED))
    return len(ids), out


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    result: SendResult | None = None
    error: DeliveryError | None = None


def _addresses(claimed: list[Claimed]) -> dict[tuple[str, int], str]:
    """Each message's address, looked up per channel for the whole batch."""
    by_channel: dict[str, set[int]] = {}
    for c in claimed:
        if c.message.member_id is not None:
            by_channel.setdefault(c.message.channel, set()).add(c.message.member_id)
    out: dict[tuple[str, int], str] = {}
    for channel, members in by_channel.items():
        for member_id, address in channel_sender(channel).addresses(members).items():
            out[(channel, member_id)] = address
    return out


def _send(claimed: Claimed, address: str | None) -> Outcome:
    msg = claimed.message
    tpl = template_get(msg.template)
    assert tpl is not None  # checked at claim
    try:
        rendered = tpl.render(language=claimed.language, context=tracked_context(msg))
        out = Outgoing(msg, rendered, claimed.language, address)
        result = channel_sender(msg.channel).send(out)
    except DeliveryError as exc:
        return Outcome(claimed, error=exc)
    except Exception as exc:  # a bug or an unexpected library error: retried, then failed
        log.exception("Sending message %s failed", msg.uid)
        return Outcome(
            claimed, error=DeliveryError(repr(exc)[:200], code="internal", retryable=True)
        )
    return Outcome(claimed, result=result)


def send_claimed(claimed: list[Claimed]) -> list[Outcome]:
    """Send claimed messages (outside any transaction), each to the address it has now."""
    addresses = _addresses(claimed)
    return [_send(c, _address(c.message, addresses)) for c in claimed]


def _address(msg: Message, addresses: dict[tuple[str, int], str]) -> str | None:
    if msg.member_id is None:  # a follower who has not joined (ADR 40)
        return msg.openid or None
    return addresses.get((msg.channel, msg.member_id))


def _record_sent(sent: list[Outcome], now: datetime) -> int:
    """One fenced UPDATE for every sent message of the batch; returns the rows it changed."""
    if not sent:
        return 0
    table = Message._meta.db_table
    rows = ", ".join(["(%s, %s, %s)"] * len(sent))
    params: list[Any] = []
    for o in sent:
        assert o.result is not None
        params += [o.claimed.message.id, o.claimed.attempt, o.result.provider_id[:128]]
    params.append(now)
    # A CTE with named columns: the one form of UPDATE ... FROM VALUES both databases take.
    sql = (
        f"WITH v(mid, attempt, pid) AS (VALUES {rows}) "  # noqa: S608 (our names; values bound)
        f"UPDATE {table} SET status = 'sent', provider_id = v.pid, sent_at = %s, "
        f"lease_until = NULL, last_error = '' FROM v WHERE {table}.id = v.mid "
        f"AND {table}.status = 'sending' AND {table}.attempts = v.attempt RETURNING {table}.id"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return len(cur.fetchall())  # sqlite3 reports no rowcount for a WITH statement


def _record(outcomes: list[Outcome], counts: Counter[str]) -> None:
    """Write each outcome, fenced by status and attempt: a worker whose lease ran out and was
    replaced changes nothing (counted as `stale`)."""
    now = clock.now()
    max_attempts = settings.OMNILOOP_MESSAGING_MAX_ATTEMPTS
    sent = [o for o in outcomes if o.result is not None]
    with transaction.atomic():
        changed = _record_sent(sent, now)
        if changed:
            counts["sent"] += changed
        if len(sent) > changed:
            counts["stale"] += len(sent) - changed
        for o in outcomes:
            if o.result is not None:
                continue
            err = o.error
            assert err is not None
            fence = Message.objects.filter(
                id=o.claimed.message.id, status=Status.SENDING, attempts=o.claimed.attempt
            )
            text = f"{err.code}: {err}"[:300]
            if err.code == "unreachable":
                fence.update(status=Status.SUPPRESSED, reason=Reason.UNREACHABLE, last_error=text)
                counts["suppressed"] += 1
            elif (
                err.fallback
                and not o.claimed.message.channel_requested
                and o.claimed.attempt < max_attempts
            ):
                # Refused for good on this channel only (a subscription notice WeChat says
                # the user cancelled): decided again at once, by the next claim, which no
                # longer finds this channel reachable. Not counted against caps meanwhile.
                fence.update(
                    status=Status.QUEUED,
                    channel="",
                    due_at=now,
                    lease_until=None,
                    counted_at=None,
                    last_error=text,
                )
                counts["fallback"] += 1
            elif not err.retryable:
                fence.update(status=Status.FAILED, reason=Reason.PROVIDER, last_error=text)
                counts["failed"] += 1
            elif o.claimed.attempt >= max_attempts:
                fence.update(status=Status.FAILED, reason=Reason.ATTEMPTS, last_error=text)
                counts["failed"] += 1
            else:
                fence.update(
                    status=Status.QUEUED,
                    due_at=now + backoff(o.claimed.attempt),
                    lease_until=None,
                    counted_at=None,
                    last_error=text,
                )
                counts["retry"] += 1
        outcomes_notify(o.claimed.message.id for o in outcomes)


def deliver_batch(*, size: int | None = None) -> BatchResult:
    """One claim, send, record round. Returns what happened, by outcome."""
    size = size or settings.OMNILOOP_MESSAGING_BATCH_SIZE
    result = BatchResult()
    result.claimed, claimed = claim_batch(size=size)
    if not claimed:
        return result
    outcomes = send_claimed(claimed)
    _record(outcomes, result.counts)
    return result


def deliver_due(*, max_seconds: float = 50.0, size: int | None = None) -> Counter[str]:
    """Deliver batches until nothing is due or `max_seconds` pass (the periodic job's form)."""
    total: Counter[str] = Counter()
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        batch = deliver_batch(size=size)
        total.update(batch.counts)
        total["claimed"] += batch.claimed
        if batch.claimed == 0:
            break
    return total
