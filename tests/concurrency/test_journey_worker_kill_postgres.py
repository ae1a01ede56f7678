"""Real journey workers (separate processes) killed with SIGKILL at random points, restarted
until every due step is done (PostgreSQL, ADR 35): each treated entrant ends with exactly one
coupon, one message and one recorded action for the send step; nothing of a killed batch
survives, nothing is done twice."""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from omniloop.campaigns.models import CampaignMember, JourneyAction, JourneyState
from omniloop.campaigns.playbooks import campaign_from_playbook
from omniloop.campaigns.schedules import campaign_enter
from omniloop.campaigns.services import campaign_approve, campaign_launch, campaign_submit
from omniloop.core import clock
from omniloop.messaging.models import Message
from omniloop.promotions.models import Coupon
from tests.campaigns.helpers import actors, coupon_template, make_members
from tests.promotions.coupon_helpers import till_channel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (
    "import django; django.setup();"
    "from omniloop.campaigns.journeys import journeys_advance;"
    "print('ready', flush=True);"
    "journeys_advance(size=5)"
)


def _env() -> dict[str, str]:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    env.update(
        DJANGO_SETTINGS_MODULE="omniloop.settings_test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        OMNILOOP_LOG="ERROR",
    )
    return env


def _due() -> int:
    return JourneyState.objects.filter(status="active", due_at__lte=clock.now()).count()


def test_sigkilled_journey_workers_act_once_per_entrant():
    till_channel()
    marketer, admin = actors()
    c = campaign_from_playbook(
        actor=marketer,
        key="welcome-series",
        coupon_template=coupon_template(),
        holdout_share=Decimal("0.1"),
        use_brand_control=False,
    )
    campaign_submit(actor=marketer, campaign=c)
    campaign_approve(actor=admin, campaign=c)
    c = campaign_launch(campaign=c)
    ids = make_members(400)
    campaign_enter(
        campaign=c, pairs=[(m, "joined") for m in ids], at=clock.now() - timedelta(seconds=5)
    )
    treated = CampaignMember.objects.filter(campaign=c, group="treated").count()
    assert _due() == treated
    progress: list[int] = []

    rng = random.Random(7)
    env, kills, rounds = _env(), 0, 0
    for _ in range(60):
        if not _due():
            break
        rounds += 1
        progress.append(_due())
        workers = [
            subprocess.Popen(  # noqa: S603 (our own interpreter and script)
                [sys.executable, "-c", SCRIPT],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        for w in workers:
            assert w.stdout is not None and w.stdout.readline().strip() == b"ready"
        if rounds <= 4:  # the first rounds: kill each worker at a random point
            for w in workers:
                time.sleep(rng.uniform(0.2, 1.2))  # some batches committed, one in flight
                if w.poll() is None:
                    w.send_signal(signal.SIGKILL)
                    kills += 1
        for w in workers:
            try:
                w.wait(timeout=120)
            except subprocess.TimeoutExpired:  # pragma: no cover - a stuck worker fails below
                w.kill()
    assert _due() == 0
    assert kills >= 4 and rounds >= 3  # workers died mid-run, others finished after them
    assert any(a > b > 0 for a, b in itertools.pairwise(progress))  # killed mid-way

    messages = Message.objects.filter(cause=f"campaign:{c.pk}")
    assert messages.count() == treated
    assert messages.values("member_id").annotate(n=Count("pk")).filter(n__gt=1).count() == 0
    coupons = Coupon.objects.filter(source="campaign")
    assert coupons.count() == treated
    assert JourneyAction.objects.filter(campaign=c, position=0, outcome="sent").count() == treated
    assert JourneyAction.objects.filter(campaign=c, position=1, outcome="waited").count() == treated
    c.refresh_from_db()
    assert c.coupons_issued == treated
