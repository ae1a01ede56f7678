"""The message outbox: queueing a campaign's messages against a set-based SQL insert of the
same rows, in the same run (a ratio), and delivery throughput per worker to a local fake SMS
gateway (ADR 25).

    .venv/bin/python benchmarks/bench_messages.py [--messages 1000000] [--members 200000]
                                                  [--deliver 20000] [--workers 1,2]

Creates `omniloop_bench_messages` (`--db`), migrates, seeds `--members` members (bulk, not
measured). Then:

1. reference: one `INSERT ... SELECT` writes the same `--messages` rows (a uid, the dedupe key
   `<campaign>:<member>`, member, kind, template, variables, status, times) from
   `generate_series`, timed, then rolled back (and the table vacuumed);
2. queueing: `messaging.outbox.messages_enqueue_for_members` for `--messages / --members`
   campaigns over every member (its checks, the active-member filter and
   `ON CONFLICT (dedupe_key) DO NOTHING` included), timed; the ratio is queueing / reference
   (the issue asks for <= 2);
3. also `message_enqueue`, one call per message, for a small sample (`--single`), as a rate;
4. delivery: the queue is emptied, `--deliver` notices are queued to the first members (who get
   phones), and `omniloop messaging_worker --until-idle` processes (`--workers`, e.g. 1 and 2 at
   once) send them over HTTP to a fake Aliyun-style gateway in this process; reported as
   messages/s in all and per worker, with a check that the gateway got each exactly once.

Prints the figures and writes benchmarks/results-messages.json (`--out`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import procs
import system

HERE = Path(__file__).resolve().parent

REFERENCE_SQL = """
INSERT INTO messaging_message (uid, dedupe_key, member_id, kind, template, context, cause,
    channel_requested, channel, status, reason, last_error, attempts, due_at, created_at,
    provider_id)
SELECT gen_random_uuid(), 'ref' || c || ':' || m.id, m.id, 'marketing', 'promotion',
       %(ctx)s::jsonb, '', '', '', 'queued', '', '', 0, %(at)s, %(at)s, ''
FROM generate_series(1, %(campaigns)s) c CROSS JOIN members_member m
"""
CONTEXT = {"brand": "Omni", "title": "春季上新", "body": "全场八折"}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--messages", type=int, default=1_000_000, help="messages queued")
    p.add_argument("--members", type=int, default=200_000, help="members they go to")
    p.add_argument("--single", type=int, default=2_000, help="message_enqueue calls timed")
    p.add_argument("--deliver", type=int, default=20_000, help="messages delivered per run")
    p.add_argument("--workers", default="1,2", help="worker processes per delivery run")
    p.add_argument("--batch", type=int, default=200, help="messages per worker claim")
    p.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    p.add_argument("--pg-user", default=os.environ.get("PGUSER", "postgres"))
    p.add_argument("--db", default="omniloop_bench_messages", help="created and dropped")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--out", type=Path, default=HERE / "results-messages.json")
    args = p.parse_args()
    if args.members <= 0 or args.messages % args.members:
        p.error("--messages must be a multiple of --members")
    if args.deliver > args.members:
        p.error("--deliver must be at most --members (one notice per member)")
    return args


def seed(args: argparse.Namespace, at: datetime) -> dict[str, Any]:
    from omniloop.members.codes import new_member_code
    from omniloop.members.models import Member

    t0 = time.perf_counter()
    codes: set[str] = set()
    while len(codes) < args.members:
        codes.add(new_member_code())
    ordered = sorted(codes)
    for start in range(0, args.members, 20_000):
        Member.objects.bulk_create(
            [
                Member(code=c, joined_at=at - timedelta(days=30))
                for c in ordered[start : start + 20_000]
            ],
            batch_size=5000,
        )
    vacuum()
    return {"seconds": round(time.perf_counter() - t0, 1)}


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE members_member")
        cur.execute("VACUUM ANALYZE messaging_message")


def reference(args: argparse.Namespace, at: datetime) -> dict[str, Any]:
    from django.db import connection

    connection.set_autocommit(False)
    try:
        with connection.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute(
                REFERENCE_SQL,
                {"ctx": json.dumps(CONTEXT), "at": at, "campaigns": args.messages // args.members},
            )
            rows = cur.rowcount
            seconds = time.perf_counter() - t0
    finally:
        connection.rollback()
        connection.set_autocommit(True)
    vacuum()
    assert rows == args.messages, rows
    return {"seconds": round(seconds, 3), "rows": rows}


def queue(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import transaction

    from omniloop.members.models import Member
    from omniloop.messaging.outbox import messages_enqueue_for_members

    ids = list(Member.objects.order_by("id").values_list("id", flat=True))
    t0 = time.perf_counter()
    rows = 0
    for c in range(args.messages // args.members):
        with transaction.atomic():
            rows += messages_enqueue_for_members(
                member_ids=ids, template="promotion", context=CONTEXT, dedupe_prefix=f"c{c}"
            )
    seconds = time.perf_counter() - t0
    assert rows == args.messages, rows
    return {"seconds": round(seconds, 3), "rows": rows}


def single(args: argparse.Namespace) -> dict[str, Any]:
    from omniloop.members.models import Member
    from omniloop.messaging.outbox import message_enqueue

    ids = list(Member.objects.order_by("id").values_list("id", flat=True)[: args.single])
    t0 = time.perf_counter()
    for i, member_id in enumerate(ids):
        message_enqueue(
            member_id=member_id, template="promotion", context=CONTEXT, dedupe_key=f"one:{i}"
        )
    seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 3), "rows": len(ids), "per_s": round(len(ids) / seconds, 1)}


def deliver(args: argparse.Namespace, pg: procs.Pg, workers: int) -> dict[str, Any]:
    from django.db import connection

    from omniloop.core.phones import parse_phone
    from omniloop.members.models import IdentityKind, Member, MemberIdentity
    from omniloop.messaging.models import Message
    from omniloop.messaging.outbox import messages_enqueue_for_members
    from tests.messaging.fake_sms import KEY_ID, KEY_SECRET, FakeSmsGateway

    with connection.cursor() as cur:
        cur.execute("TRUNCATE messaging_message CASCADE")
    ids = list(Member.objects.order_by("id").values_list("id", flat=True)[: args.deliver])
    have = set(
        MemberIdentity.objects.filter(kind=IdentityKind.PHONE).values_list("member_id", flat=True)
    )
    new = []
    for i, member_id in enumerate(ids):
        if member_id not in have:
            phone = parse_phone(f"+86138{i:08d}")
            new.append(
                MemberIdentity(
                    member_id=member_id,
                    kind=IdentityKind.PHONE,
                    value=phone.index,
                    cipher=phone.encrypt(),
                    masked=phone.masked,
                )
            )
    MemberIdentity.objects.bulk_create(new, batch_size=5000)
    messages_enqueue_for_members(
        member_ids=ids,
        template="notice",
        context={"brand": "Omni", "body": "到货"},
        dedupe_prefix=f"d{workers}",
    )
    vacuum()
    gateway = FakeSmsGateway().start()
    env = {
        **os.environ,
        "OMNILOOP_SMS_BACKEND": "omniloop.messaging.sms_http.AliyunSmsBackend",
        "OMNILOOP_SMS_HTTP_ENDPOINT": gateway.url,
        "OMNILOOP_SMS_HTTP_KEY_ID": KEY_ID,
        "OMNILOOP_SMS_HTTP_KEY_SECRET": KEY_SECRET,
        "OMNILOOP_SMS_HTTP_SIGN_NAME": "bench",
        "OMNILOOP_MESSAGING_BATCH_SIZE": str(args.batch),
    }
    cmd = [procs.python(), "-m", "omniloop.cli", "messaging_worker", "--until-idle"]
    try:
        t0 = time.perf_counter()
        running = [
            subprocess.Popen(cmd, cwd=procs.REPO, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(workers)
        ]
        outputs = [p.communicate(timeout=3600)[0] for p in running]
        assert all(p.returncode == 0 for p in running), outputs
        seconds = time.perf_counter() - t0
        # Each worker reports how long it was busy from its first claim (start-up excluded).
        busy = [
            int(part.split("=")[1]) / 1000
            for out in outputs
            for part in out.split()
            if part.startswith("busy_ms=")
        ]
    finally:
        gateway.stop()
    sent = Message.objects.filter(status="sent").count()
    refs = [d["OutId"] for d in gateway.delivered]
    assert sent == len(ids) == len(refs) == len(set(refs)), (sent, len(ids), len(refs))
    return {
        "workers": workers,
        "messages": sent,
        "wall_seconds_with_startup": round(seconds, 2),
        "busy_seconds": round(max(busy), 2),
        "per_s": round(sent / max(busy), 1),
        "per_s_per_worker": round(sent / max(busy) / workers, 1),
    }


def measure(args: argparse.Namespace, pg: procs.Pg) -> dict[str, Any]:
    import django

    django.setup()
    at = datetime.now(UTC).replace(microsecond=0)
    print(f"seeding {args.members:,} members ...", flush=True)
    seeded = seed(args, at)
    ref = reference(args, at)
    print(f"reference (INSERT ... SELECT of {ref['rows']:,} rows): {ref['seconds']} s", flush=True)
    run = queue(args)
    print(f"queueing (messages_enqueue_for_members): {run['seconds']} s", flush=True)
    one = single(args)
    print(f"message_enqueue one by one: {one['per_s']:,} /s", flush=True)
    cpu0 = system.cpu_times()
    deliveries = [deliver(args, pg, int(w)) for w in args.workers.split(",") if w]
    busy = system.busy_percent(cpu0, system.cpu_times())
    for d in deliveries:
        print(
            f"delivery, {d['workers']} worker(s): {d['per_s']:,} messages/s "
            f"({d['per_s_per_worker']:,} per worker)",
            flush=True,
        )
    return {
        "seed": seeded,
        "reference": ref,
        "queue": run,
        "ratio": round(run["seconds"] / ref["seconds"], 3),
        "single": one,
        "delivery": deliveries,
        "delivery_machine_busy_pct": busy,
    }


def main() -> None:
    args = parse_args()
    pg = procs.Pg(args.pg_host, args.pg_port, args.pg_user, args.db)
    load = os.getloadavg()
    with procs.django_bench_db(pg, prefix="messages", keep_db=args.keep_db) as pg_version:
        result = measure(args, pg)
    print(
        f"\nqueueing {result['queue']['rows']:,} messages: {result['queue']['seconds']} s vs "
        f"{result['reference']['seconds']} s for the set-based insert: ratio {result['ratio']} "
        f"(<= 2 wanted); load average before {load[0]:.1f}"
    )
    procs.write_report(args, pg_version=pg_version, load=load, result=result)


if __name__ == "__main__":
    main()
