"""The demo brand's wall is filled at load (its loads bypass the events, so the loader rebuilds
the cells): every paid order and every member is counted once, and a reset loads afresh."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from omniloop.members.models import Member
from omniloop.orders.models import Order, OrderReturn
from omniloop.touchpoints.models import ScanEvent
from omniloop.wall.models import MemberDay, SalesDay, ScanDay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _sum(model, field):
    return model.objects.aggregate(s=Sum(field))["s"] or 0


def _check() -> None:
    paid = Order.objects.exclude(status__in=["pending", "cancelled"])
    assert _sum(SalesDay, "orders") == paid.count() > 0
    assert _sum(SalesDay, "refunds") == OrderReturn.objects.filter(amount__gt=0).count()
    assert _sum(ScanDay, "scans") == ScanEvent.objects.count() > 0
    members = Member.objects.exclude(status=Member.Status.MERGED).count()
    assert _sum(MemberDay, "joins") == members > 0


def test_the_demo_loads_its_wall_and_a_reset_reloads_it():
    call_command("demo_load", stdout=StringIO(), members=200, months=1)
    _check()
    call_command("demo_load", stdout=StringIO(), members=150, months=1, reset=True)
    _check()
