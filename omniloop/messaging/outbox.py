"""Writing messages: the outbox side (ADR 25).

`message_enqueue` inserts a row in the caller's transaction: the message exists if and only if
its cause commits, and nothing talks to a provider here. A `dedupe_key` makes enqueueing the
same thing twice one message (INSERT ... ON CONFLICT DO NOTHING, then read back, so two racing
transactions end with one row). `messages_enqueue_for_members` is the set-based form for a
campaign: one INSERT ... SELECT per chunk of members."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from omniloop.core import clock
from omniloop.core.errors import ValidationFailed
from omniloop.core.tasks import enqueue_with_cause
from omniloop.members.models import Member
from omniloop.messaging.models import Message
from omniloop.messaging.templates import MessageTemplate, template_get
from omniloop.messaging.values import Channel, Status


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
    tpl = _template(template)
    now = clock.now()
    values = {k: str(v) for k, v in (context or {}).items()}
    row = Message(
        member_id=member_id,
        kind=tpl.kind,
        template=tpl.key,
        context=values,
        cause=cause[:64],
        channel_requested=_channel(channel),
        dedupe_key=dedupe_key[:128] if dedupe_key else None,
        due_at=due_at or now,
        expires_at=expires_at,
        created_at=now,
        status=Status.QUEUED,
    )
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
    """Queue one message per member (a campaign), set-based: INSERT ... SELECT over the ids,
    the dedupe key `<prefix>:<member id>`, ON CONFLICT DO NOTHING, so a re-run adds only the
    members not yet queued. Only active members get a row. Returns the rows inserted.
    `member_context` adds each member's own variables (their coupon code) on top of `context`,
    merged in the same statement."""
    tpl = _template(template)
    now = clock.now()
    ctx = json.dumps({k: str(v) for k, v in (context or {}).items()}, ensure_ascii=False)
    own = json.dumps(
        {str(m): {k: str(v) for k, v in c.items()} for m, c in (member_context or {}).items()},
        ensure_ascii=False,
    )
    table = Message._meta.db_table
    members = Member._meta.db_table
    cols = (
        "uid, dedupe_key, member_id, kind, template, context, cause, channel_requested, "
        "channel, status, reason, last_error, attempts, due_at, created_at, provider_id"
    )
    pg = connection.vendor == "postgresql"
    uid = "gen_random_uuid()" if pg else "lower(hex(randomblob(16)))"
    ids = "SELECT unnest(%s::bigint[])" if pg else "SELECT value FROM json_each(%s)"
    ctx_sql = (
        "(%s::jsonb || COALESCE(%s::jsonb -> (m.id::text), '{}'::jsonb))"
        if pg
        else "json_patch(%s, COALESCE(json_extract(%s, '$.\"' || m.id || '\"'), '{}'))"
    )
    sql = (
        f"INSERT INTO {table} ({cols}) "  # noqa: S608 (names are ours, values are parameters)
        f"SELECT {uid}, %s || ':' || m.id, m.id, %s, %s, {ctx_sql}, %s, %s, '', 'queued', "
        f"'', '', 0, %s, %s, '' FROM {members} m WHERE m.id IN ({ids}) AND m.status = 'active' "
        "ON CONFLICT (dedupe_key) DO NOTHING"
    )
    fixed: list[Any] = [
        dedupe_prefix[:100],
        tpl.kind,
        tpl.key,
        ctx,
        own,
        cause[:64],
        _channel(channel),
        now,
        now,
    ]
    inserted = 0
    with connection.cursor() as cur:
        for start in range(0, len(member_ids), chunk):
            part = [int(i) for i in member_ids[start : start + chunk]]
            cur.execute(sql, [*fixed, part if pg else json.dumps(part)])
            inserted += cur.rowcount
    return inserted


def messages_deliver_soon() -> None:
    """Ask for a delivery round now instead of at the next minute's periodic job (a reply a
    customer waits for). With the database task backend the task row commits with the caller's
    transaction (ADR 6); RQ, which enqueues at once, is handed it on commit."""
    from omniloop.messaging.tasks import messaging_deliver_task

    enqueue_with_cause(messaging_deliver_task)
