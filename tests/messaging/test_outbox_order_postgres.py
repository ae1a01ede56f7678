"""Two campaigns queueing overlapping audiences under the same keys at once (PostgreSQL, parallel
connections): the outbox inserts in member-id order, so one waits for the other instead of the
two deadlocking (ADR 40)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.db import connection, connections, transaction

from omniloop.messaging.models import Message
from omniloop.messaging.outbox import message_enqueue, messages_enqueue_for_members
from tests.factories import make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CTX = {"brand": "B", "body": "x"}


def _waiting() -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return int(cur.fetchone()[0])


def _in_thread(fn: Any, results: dict[str, Any], name: str) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = fn()
        except BaseException as exc:
            results[name] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_overlapping_audiences_in_opposite_orders_do_not_deadlock():
    ids = [make_member().pk for _ in range(12)]
    middle = ids[6]
    held, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def blocker() -> None:
        # Holds the middle member's key uncommitted, so that both campaigns are well under way
        # (each holding the keys it has inserted) before either can pass it.
        with transaction.atomic():
            message_enqueue(
                member_id=middle, template="notice", context=CTX, dedupe_key=f"c:{middle}"
            )
            held.set()
            release.wait(30)
            transaction.set_rollback(True)

    def campaign(order: list[int]) -> int:
        with transaction.atomic():
            return messages_enqueue_for_members(
                member_ids=order, template="notice", context=CTX, dedupe_prefix="c", chunk=2
            )

    threads = [_in_thread(blocker, results, "blocker")]
    assert held.wait(30)
    threads += [
        _in_thread(lambda: campaign(ids), results, "up"),
        _in_thread(lambda: campaign(list(reversed(ids))), results, "down"),
    ]
    deadline = time.monotonic() + 30
    while _waiting() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _waiting() == 2  # both campaigns are blocked: one on the blocker, one on either
    release.set()
    for t in threads:
        t.join(60)
    assert results["blocker"] is None
    assert isinstance(results["up"], int), results["up"]
    assert isinstance(results["down"], int), results["down"]
    assert results["up"] + results["down"] == len(ids)
    assert Counter(Message.objects.values_list("member_id", flat=True)) == {i: 1 for i in ids}
