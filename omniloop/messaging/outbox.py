"""Writing messages: the outbox side (ADR 25).

`message_enqueue` inserts a row in the caller's transaction: the message exists if and only if
its cause commits, and nothing talks to a provider here. A `dedupe_key` makes enqueueing the
same thing twice one message (INSERT ... ON CONFLICT DO NOTHING, then read back, so two racing
transactions end with one row). `messages_enqueue_for_members` is the set-based form for a
campaign: one INSERT ... SELECT per chunk of members, in member-id order (ADR 40)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction

from omniloop.core import clock
from omniloop.core.errors import ValidationFailed
from omniloop.core.tasks import enqueue_with_cause
from omniloop.members.models import Member
from omniloop.messaging.models import Message
from omniloop.messaging.templates import MessageTemplate, template_get
from omniloop.messaging.values import Channel, MessageKind, Status


def _template(key: str) -> MessageTemplate:
    tpl = template_get(key)
    if tpl is None:
        raise ValidationFailed(f"Unknown message template {key!r}.", code="template_unknown")
    return tpl


def _channel(channel: str) -> str:
    if channel and channel not in Channel.values:
        raise ValidationFailed(f"Unknown channel {channel!r}.", code="channel_unknown")
    return channel


def message_enqueue(
    *,
    member_id: int,
    template: str,
    context: Mapping[str, object] | None = None,
    channel: str = "",
    dedupe_key: str | None = None,
    cause: str = "",
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Message:
    """Queue one message to a member, in the caller's transaction. With a `dedupe_key` already
    used, the existing message is returned and nothing is written."""
    return _enqueue(
        Message(member_id=member_id),
        template=_template(template),
        context=context,
        channel=_channel(channel),
        dedupe_key=dedupe_key,
        cause=cause,
        due_at=due_at,
        expires_at=expires_at,
    )


def message_to_follower_enqueue(
    *,
    openid: str,
    template: str,
    context: Mapping[str, object] | None = None,
    dedupe_key: str | None = None,
    cause: str = "",
) -> Message:
    """Queue a reply to a WeChat follower who has not joined (no member, ADR 40), in the
    caller's transaction: a customer-service message to the openid, sent while their 48-hour
    window is open. Transactional templates only: a non-member has given no consent."""
    tpl = _template(template)
    if tpl.kind == MessageKind.MARKETING:
        raise ValidationFailed("Marketing needs a member's consent.", code="follower_marketing")
    if not openid:
        raise ValidationFailed("A follower's openid is required.", code="openid_required")
    return _enqueue(
        Message(member_id=None, openid=openid[:64]),
        template=tpl,
        context=context,
        channel=Channel.WECHAT_CS,
        dedupe_key=dedupe_key,
        cause=cause,
    )


def _enqueue(
    row: Message,
    *,
    template: MessageTemplate,
    context: Mapping[str, object] | None,
    channel: str,
    dedupe_key: str | None,
    cause: str,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Message:
    now = clock.now()
    row.kind, row.template = template.kind, template.key
    row.context = {k: str(v) for k, v in (context or {}).items()}
    row.cause, row.channel_requested = cause[:64], channel
    row.dedupe_key = dedupe_key[:128] if dedupe_key else None
    row.due_at, row.expires_at, row.created_at = due_at or now, expires_at, now
    row.status = Status.QUEUED
    if dedupe_key is None:
        row.save(force_insert=True)
        return row
    with transaction.atomic():
        Message.objects.bulk_create([row], ignore_conflicts=True)
    return Message.objects.get(dedupe_key=row.dedupe_key)


def messages_enqueue_for_members(
    *,
    member_ids: Sequence[int],
    template: str,
    context: Mapping[str, object] | None = None,
    channel: str = "",
    dedupe_prefix: str,
    cause: str = "",
    chunk: int = 50_000,
    member_context: Mapping[int, Mapping[str, object]] | None = None,
) -> int:
    """Queue one message per member (a campaign), set-based (ADR 40): INSERT ... SELECT over the
    ids, the dedupe key `<prefix>:<member id>`, so a re-run adds only the members not yet queued.
    Only active members get a row. Returns the rows inserted. `member_context` adds each
    member's own variables (their coupon code) on top of `context`, merged in the same statement.

    The ids are deduplicated and sorted, and each chunk inserts in member-id order: two
    transactions queueing overlapping audiences under the same keys then meet at their first
    common key and one waits for the other, where opposite orders would deadlock. Each chunk is a
    plain INSERT in a savepoint (the cheap path of a first run); a dedupe key already taken rolls
    that back, and it and the chunks after it go through ON CONFLICT (dedupe_key) DO NOTHING."""
    tpl = _template(template)
    now = clock.now()
    ctx = json.dumps({k: str(v) for k, v in (context or {}).items()}, ensure_ascii=False)
    own = {str(m): {k: str(v) for k, v in c.items()} for m, c in (member_context or {}).items()}
    pg = connection.vendor == "postgresql"
    ids = sorted({int(i) for i in member_ids})
    fixed: list[Any] = [dedupe_prefix[:100], tpl.kind, tpl.key, ctx]
    if own:
        fixed.append(json.dumps(own, ensure_ascii=False))
    fixed += [cause[:64], _channel(channel), now, now]
    plain = _bulk_insert_sql(pg=pg, per_member=bool(own), on_conflict=False)
    upsert = _bulk_insert_sql(pg=pg, per_member=bool(own), on_conflict=True)
    inserted = 0
    taken = False
    with connection.cursor() as cur:
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            params = [*fixed, part if pg else json.dumps(part)]
            if not taken:
                try:
                    with transaction.atomic():
                        cur.execute(plain, params)
                    inserted += cur.rowcount
                    continue
                except IntegrityError as exc:
                    if "dedupe_key" not in str(exc):
                        raise
                    taken = True
            cur.execute(upsert, params)
            inserted += cur.rowcount
    return inserted


def _bulk_insert_sql(*, pg: bool, per_member: bool, on_conflict: bool) -> str:
    """The INSERT ... SELECT of `messages_enqueue_for_members`. The variables are one constant
    (parameter) unless members have their own, merged in per row."""
    cols = (
        "uid, dedupe_key, member_id, kind, template, context, cause, channel_requested, "
        "channel, status, reason, last_error, attempts, due_at, created_at, provider_id"
    )
    uid = "gen_random_uuid()" if pg else "lower(hex(randomblob(16)))"
    # One array parameter: an index scan in id order (IN over a subquery was a join, unordered).
    ids = "m.id = ANY(%s)" if pg else "m.id IN (SELECT value FROM json_each(%s))"
    if not per_member:
        ctx = "%s::jsonb" if pg else "%s"
    elif pg:
        ctx = "(%s::jsonb || COALESCE(%s::jsonb -> (m.id::text), '{}'::jsonb))"
    else:
        ctx = "json_patch(%s, COALESCE(json_extract(%s, '$.\"' || m.id || '\"'), '{}'))"
    return (
        f"INSERT INTO {Message._meta.db_table} ({cols}) "  # noqa: S608 (names are ours)
        f"SELECT {uid}, %s || ':' || m.id, m.id, %s, %s, {ctx}, %s, %s, '', 'queued', "
        f"'', '', 0, %s, %s, '' FROM {Member._meta.db_table} m "
        f"WHERE {ids} AND m.status = 'active' ORDER BY m.id"
        + (" ON CONFLICT (dedupe_key) DO NOTHING" if on_conflict else "")
    )


def messages_deliver_soon() -> None:
    """Ask for a delivery round now instead of at the next minute's periodic job (a reply a
    customer waits for). With the database task backend the task row commits with the caller's
    transaction (ADR 6); RQ, which enqueues at once, is handed it on commit."""
    from omniloop.messaging.tasks import messaging_deliver_task

    enqueue_with_cause(messaging_deliver_task)
