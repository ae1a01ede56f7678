# ruff: noqa: E501 (SQL kept on long lines)
"""A campaign to N members against the set-based SQL doing the same inserts, in the same run
(a ratio; the issue asks for <= 2 at 1M members). ADR 30.

    .venv/bin/python benchmarks/bench_campaign.py [--members 1000000] [--rounds 1]

Creates `omniloop_bench_campaign` (`--db`), migrates, seeds `--members` members and their
feature rows (not measured), one segment matching every member and a coupon template. Then:

1. reference: in one transaction, `INSERT ... SELECT` of the same rows and columns a campaign
   writes: the segment version's members, one coupon per treated member (a random 12-character
   code from md5), the campaign's members with their group, state, window and coupon, and one
   queued message per treated member. The campaign's hash in SQL would need an extension, so
   the reference holds out `member_id % 10 = 0`: the same 10 %, so the same number of coupons
   and messages (until ADR 41 it wrote them for every member). The foreign keys are checked
   as the rows go in (`SET CONSTRAINTS ALL IMMEDIATE`): they are deferred to commit, and a
   rolled-back reference would otherwise never pay for them. Timed, rolled back;
2. campaign: `segment_refresh` is part of `campaign_launch` (audience frozen, holdout split,
   members recorded), then `campaign_fanout` (coupons by `coupon_issue_bulk` in batches of
   1000, messages by `messages_enqueue_for_members`, the budget counted per batch); timed.

Prints the ratio and writes benchmarks/results-campaign.json (`--out`). Smoke: `--members 20000`.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import procs

HERE = Path(__file__).resolve().parent

REFERENCE_SQL = """
SET CONSTRAINTS ALL IMMEDIATE;
INSERT INTO insights_segmentmember (version_id, member_id) SELECT %(version)s, m.id FROM members_member m WHERE m.status = 'active';
INSERT INTO promotions_coupon (template_id, member_id, code, state, source, valid_from, valid_until, issued_at, reservation_ref)
SELECT %(template)s, sm.member_id, upper(substr(md5(random()::text || sm.member_id), 1, 12)), 'issued', 'campaign', %(at)s, %(at)s::timestamptz + interval '30 days', %(at)s, '' FROM insights_segmentmember sm WHERE sm.version_id = %(version)s AND sm.member_id %% 10 <> 0;
INSERT INTO campaigns_campaignmember (campaign_id, member_id, "group", state, occasion, entered_at, window_until, coupon_id)
SELECT %(campaign)s, sm.member_id, CASE WHEN sm.member_id %% 10 <> 0 THEN 'treated' ELSE 'holdout' END, CASE WHEN sm.member_id %% 10 <> 0 THEN 'sent' ELSE 'pending' END, '', %(at)s, %(at)s::timestamptz + interval '30 days', c.id
FROM insights_segmentmember sm LEFT JOIN promotions_coupon c ON c.template_id = %(template)s AND c.member_id = sm.member_id WHERE sm.version_id = %(version)s;
INSERT INTO messaging_message (uid, dedupe_key, member_id, kind, template, context, cause, channel_requested, channel, status, reason, last_error, attempts, due_at, created_at, provider_id)
SELECT gen_random_uuid(), 'campaign:' || %(campaign)s || ':' || cm.member_id, cm.member_id, 'marketing', 'promotion', %(ctx)s::jsonb, 'campaign:' || %(campaign)s, '', '', 'queued', '', '', 0, %(at)s, %(at)s, '' FROM campaigns_campaignmember cm WHERE cm.campaign_id = %(campaign)s AND cm."group" = 'treated';
"""


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--members", type=int, default=1_000_000)
    p.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    p.add_argument("--pg-user", default=os.environ.get("PGUSER", "postgres"))
    p.add_argument("--db", default="omniloop_bench_campaign", help="created and dropped")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--out", type=Path, default=HERE / "results-campaign.json")
    return p.parse_args()


def seed(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from omniloop.insights.features import features_rebuild

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO members_member (code, external_ref, name, gender, city, tier, status, join_source, joined_at, created_at) "
            "SELECT 'M' || i, NULL, '', '', 'c', 'standard', 'active', 'import', now() - interval '30 days', now() "
            "FROM generate_series(1, %s) i",
            [args.members],
        )
    features_rebuild()
    vacuum()
    return {"seconds": round(time.perf_counter() - t0, 1)}


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in (
            "members_member",
            "insights_memberfeatures",
            "insights_segmentmember",
            "campaigns_campaignmember",
            "promotions_coupon",
            "messaging_message",
        ):
            cur.execute(f"VACUUM ANALYZE {table}")


def fixtures() -> dict[str, Any]:
    from decimal import Decimal

    from omniloop.accounts.access import Actor
    from omniloop.campaigns.services import campaign_approve, campaign_draft, campaign_submit
    from omniloop.insights.services import segment_save
    from omniloop.promotions.coupons import coupon_template_create
    from omniloop.promotions.models import Offer

    offer = Offer.objects.create(
        name="满300减50",
        kind="amount_off",
        params={"amount": 5000, "min_spend": 30000},
        status=Offer.Status.ACTIVE,
        all_products=True,
        coupon_only=True,
    )
    template = coupon_template_create(offer=offer, name="bench", valid_days=30)
    segment = segment_save(
        slug="bench-all", name="all", rule={"field": "tenure_days", "op": ">=", "value": 0}
    )
    marketer = Actor(role="marketer", store_id=None, user_id=None)
    admin = Actor(role="hq_admin", store_id=None, user_id=None)
    c = campaign_draft(
        actor=marketer,
        name="bench",
        segment=segment,
        coupon_template=template,
        holdout_share=Decimal("0.100"),
        use_brand_control=False,
    )
    campaign_submit(actor=marketer, campaign=c)
    campaign_approve(actor=admin, campaign=c)
    return {"campaign": c, "segment": segment, "template": template}


def reference(f: dict[str, Any], at: datetime) -> dict[str, Any]:
    from django.db import connection

    from omniloop.insights.models import SegmentVersion

    connection.set_autocommit(False)
    try:
        version = SegmentVersion.objects.create(
            segment=f["segment"],
            number=999,
            rule={},
            as_of=at,
            source="features",
            member_count=0,
            created_at=at,
        )
        with connection.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute(
                REFERENCE_SQL,
                {
                    "version": version.pk,
                    "campaign": f["campaign"].pk,
                    "template": f["template"].pk,
                    "at": at,
                    "ctx": json.dumps({"brand": "Omni", "title": "t", "body": "b"}),
                },
            )
            seconds = time.perf_counter() - t0
    finally:
        connection.rollback()
        connection.set_autocommit(True)
    vacuum()
    return {"seconds": round(seconds, 3)}


def campaign(f: dict[str, Any]) -> dict[str, Any]:
    from omniloop.campaigns.services import campaign_fanout, campaign_launch

    t0 = time.perf_counter()
    c = campaign_launch(campaign=f["campaign"])
    launched = time.perf_counter() - t0
    sent = campaign_fanout(campaign_id=c.pk)
    seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 3), "launch_seconds": round(launched, 3), "sent": sent}


def main() -> None:
    args = parse_args()
    pg = procs.Pg(args.pg_host, args.pg_port, args.pg_user, args.db)
    load = os.getloadavg()
    with procs.django_bench_db(pg, prefix="campaign", keep_db=args.keep_db) as pg_version:
        import django

        django.setup()
        at = datetime.now(UTC).replace(microsecond=0)
        print(f"seeding {args.members:,} members ...", flush=True)
        seeded = seed(args)
        f = fixtures()
        ref = reference(f, at)
        print(f"reference (set-based inserts): {ref['seconds']} s", flush=True)
        run = campaign(f)
        print(
            f"campaign (launch {run['launch_seconds']} s + fan-out): {run['seconds']} s, {run['sent']:,} sent",
            flush=True,
        )
    ratio = round(run["seconds"] / ref["seconds"], 3)
    print(f"\nratio {ratio} (<= 2 wanted at 1M members); load average before {load[0]:.1f}")
    result = {
        "seed": seeded,
        "reference": ref,
        "campaign": run,
        "ratio": ratio,
    }
    procs.write_report(args, pg_version=pg_version, load=load, result=result)


if __name__ == "__main__":
    main()
