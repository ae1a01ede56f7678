"""Real worker processes killed with SIGKILL at random points over 10,000 messages, restarted
until done (PostgreSQL; 1,000 on SQLite, where the claim is the single-writer fallback): none
lost, none delivered twice at the fake gateway, none sent for a transaction that rolled back."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from omniloop.messaging.models import Message
from omniloop.messaging.outbox import message_enqueue, messages_enqueue_for_members
from omniloop.messaging.values import Status
from tests.factories import make_member
from tests.messaging.fake_sms import KEY_ID, KEY_SECRET

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERS = 100
ROOT = Path(__file__).resolve().parents[2]


def _worker_env(gateway_url: str) -> dict[str, str]:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"  # the test database is a file (settings: TEST NAME)
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    env.update(
        DJANGO_SETTINGS_MODULE="omniloop.settings_test",
        DATABASE_URL=url,
        OMNILOOP_SMS_BACKEND="omniloop.messaging.sms_http.AliyunSmsBackend",
        OMNILOOP_SMS_HTTP_ENDPOINT=gateway_url,
        OMNILOOP_SMS_HTTP_KEY_ID=KEY_ID,
        OMNILOOP_SMS_HTTP_KEY_SECRET=KEY_SECRET,
        OMNILOOP_SMS_HTTP_SIGN_NAME="test",
        OMNILOOP_SMS_HTTP_TIMEOUT="2",
        OMNILOOP_MESSAGING_LEASE_SECONDS="3",
        OMNILOOP_MESSAGING_BATCH_SIZE="200",
        OMNILOOP_LOG="ERROR",
    )
    return env


def _start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "omniloop", "messaging_worker", "--until-idle", "--interval", "0.2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.postgres
def test_sigkilled_workers_lose_nothing_and_send_nothing_twice(sms_gateway):
    _killed_until_done(sms_gateway, total=10_000, kills_wanted=12)


def test_on_sqlite_too_with_the_single_claimer_fallback(settings, sms_gateway):
    if settings.IS_POSTGRES:
        pytest.skip("the PostgreSQL run above covers it with 10,000 messages")
    _killed_until_done(sms_gateway, total=1_000, kills_wanted=4)


def _killed_until_done(sms_gateway, *, total: int, kills_wanted: int) -> None:
    members = [make_member().pk for _ in range(MEMBERS)]
    ctx = {"brand": "Omni", "body": "到货提醒"}
    for batch in range(total // MEMBERS):
        messages_enqueue_for_members(
            member_ids=members, template="notice", context=ctx, dedupe_prefix=f"b{batch}"
        )
    rolled_back = []
    with pytest.raises(RuntimeError), transaction.atomic():
        for m in members[:20]:
            rolled_back.append(message_enqueue(member_id=m, template="notice", context=ctx).uid.hex)
        raise RuntimeError("the cause fails")
    assert Message.objects.count() == total

    env = _worker_env(sms_gateway.url)
    rng = random.Random(6)
    kills, deadline = 0, time.monotonic() + 240
    while Message.objects.exclude(status=Status.SENT).exists():
        assert time.monotonic() < deadline, "the workers did not finish in time"
        before = sms_gateway.total_requests
        procs = [_start(env) for _ in range(2)]
        # Wait until they are sending (start-up takes a second or more), then kill at a random
        # point: inside a claim, between sends, between a send and its record.
        while sms_gateway.total_requests == before and all(p.poll() is None for p in procs):
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.8))
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills += 1
            p.wait(timeout=30)
            if p.returncode not in (0, -signal.SIGKILL):
                pytest.fail(p.stderr.read().decode() if p.stderr else "worker failed")
        if kills >= kills_wanted:  # enough: let the last ones finish (once the leases ran out)
            time.sleep(3.2)
            final = _start(env)
            final.wait(timeout=180)
            assert final.returncode == 0, final.stderr.read().decode() if final.stderr else ""
    assert kills >= kills_wanted // 2

    sent = dict(Message.objects.values_list("uid", "provider_id"))
    assert len(sent) == total
    # Exactly once at the gateway: one real SMS per message, none for the rolled-back ones.
    references = [d["OutId"] for d in sms_gateway.delivered]
    assert len(references) == len(set(references)) == total
    assert {u.hex for u in sent} == set(references)
    assert not set(rolled_back) & set(sms_gateway.requests)
    # Every message records the gateway's id for it.
    assert all(sms_gateway.by_reference[u.hex] == biz for u, biz in sent.items())
    assert sms_gateway.refused == []
    # The kills did land between a send and its record: those were sent again, and the
    # gateway recognised them by reference instead of sending a second SMS.
    resent = sum(n - 1 for n in sms_gateway.requests.values())
    print(f"kills={kills} resends recognised by reference={resent}")
    assert resent > 0
