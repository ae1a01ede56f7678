"""The callback's synchronous part: what must happen inside WeChat's 5-second budget.

Verify, refuse stale timestamps, record the message once under its dedup key and enqueue its
processing; the rest (followers, scans, bindings) runs in the background (`inbound.py`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from omniloop.core import clock
from omniloop.wechat import adapter
from omniloop.wechat.errors import CallbackRefused
from omniloop.wechat.listeners import MESSAGE_TYPES
from omniloop.wechat.models import WechatInbound
from omniloop.wechat.tasks import enqueue_inbound


def _check_fresh(query: dict[str, str]) -> None:
    try:
        sent = int(query.get("timestamp", ""))
    except ValueError as exc:
        raise CallbackRefused("No timestamp.", code="wechat_timestamp_invalid") from exc
    skew = abs(clock.now().timestamp() - sent)
    if skew > settings.OMNILOOP_WECHAT_TIMESTAMP_TOLERANCE:
        raise CallbackRefused(
            "The timestamp is outside the tolerance.", code="wechat_timestamp_stale"
        )


def callback_verify(*, query: dict[str, str]) -> str:
    """WeChat's URL verification: the `echostr` back, once the signature and time check out."""
    _check_fresh(query)
    return adapter.verify_url(adapter.wechat_config(), query)


def callback_accept(*, query: dict[str, str], body: bytes) -> WechatInbound | None:
    """Accept one callback: verified (403 otherwise, nothing written), recorded under its dedup
    key and its processing enqueued in the same transaction. A retry or replay of a recorded
    message returns None and has no effect."""
    _check_fresh(query)
    inbound = adapter.open_message(adapter.wechat_config(), query, body)
    now = clock.now()
    try:
        with transaction.atomic():
            row = WechatInbound.objects.create(
                dedup_key=inbound.dedup_key,
                msg_type=inbound.msg_type[:32],
                event=inbound.event[:48],
                openid=inbound.openid,
                sent_at=datetime.fromtimestamp(inbound.create_time, tz=UTC),
                received_at=now,
                payload={
                    "scene": inbound.scene,
                    "ticket": inbound.ticket,
                    "msg_id": inbound.msg_id,
                    # What a follower wrote or sent, for the listeners (`listeners.py`); kept
                    # only as long as the row (30 days, `inbound_sweep`).
                    **(
                        {
                            "content": inbound.content,
                            "pic_url": inbound.pic_url,
                            "media_id": inbound.media_id,
                        }
                        if inbound.msg_type in MESSAGE_TYPES
                        else {}
                    ),
                    **(
                        {"job_msgid": inbound.job_msgid, "status": inbound.status}
                        if inbound.job_msgid
                        else {}
                    ),
                    **(
                        {
                            "card_id": inbound.card_id,
                            "card_code": inbound.card_code,
                            "outer_str": inbound.outer_str,
                        }
                        if inbound.card_id
                        else {}
                    ),
                    **(
                        {"subscriptions": [asdict(i) for i in inbound.subscriptions]}
                        if inbound.subscriptions
                        else {}
                    ),
                },
            )
            enqueue_inbound(row.pk)
    except IntegrityError:
        return None
    return row
