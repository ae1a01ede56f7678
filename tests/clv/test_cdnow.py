"""The acceptance check of issue 5: the published CDNOW estimates, through the command."""

from __future__ import annotations

import csv
import json
from datetime import date
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from omniloop.clv.summaries import clv_summaries
from omniloop.stores.models import Store
from tests.clv.helpers import DATA

pytestmark = pytest.mark.django_db


def sig3(value: float) -> str:
    return f"{value:.3g}"


def test_clv_fit_reproduces_the_published_cdnow_estimates(cdnow: Store) -> None:
    out = StringIO()
    call_command("clv", "fit", "--as-of", "1997-09-30", "--unit", "week", stdout=out)
    fit = json.loads(out.getvalue())

    assert set(fit) == {"bgnbd", "gamma_gamma"}
    assert set(fit["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood", "customers"}
    assert set(fit["gamma_gamma"]) == {"p", "q", "gamma", "customers"}
    # Fader, Hardie and Lee (2005), BG/NBD on the 39-week calibration period.
    bg = fit["bgnbd"]
    assert [sig3(bg[k]) for k in ("r", "alpha", "a", "b")] == ["0.243", "4.41", "0.793", "2.43"]
    assert round(bg["log_likelihood"], 1) == -9582.4
    assert bg["customers"] == 2357
    # Fader, Hardie and Lee (2005, RFM and CLV) / Fader and Hardie's Gamma-Gamma note.
    gg = fit["gamma_gamma"]
    assert [sig3(gg[k]) for k in ("p", "q", "gamma")] == ["6.25", "3.74", "15.4"]
    assert gg["customers"] == 946


def test_cdnow_summaries_equal_the_published_ones(cdnow: Store) -> None:
    with (DATA / "cdnow_customers_summary_with_transactions.csv").open() as fh:
        published = {f"cdnow-{row['ID']}": row for row in csv.DictReader(fh)}
    s = clv_summaries(as_of=date(1997, 9, 30), unit_days=7)
    from omniloop.members.models import Member

    refs = dict(Member.objects.values_list("pk", "external_ref"))
    rows = [published[refs[int(pk)]] for pk in s.member_ids]
    assert len(rows) == len(published) == 2357
    for ours, column in (
        (s.frequency, "x"),
        (s.recency, "t_x"),
        (s.age, "T"),
        (s.monetary_value, "zbar"),
    ):
        theirs = np.array([float(r[column]) for r in rows])
        assert np.abs(ours - theirs).max() <= 0.005 + 1e-9, column


def test_cdnow_arrives_through_the_bulk_import(cdnow: Store) -> None:
    from omniloop.orders.models import Order, OrderLine

    rows = (DATA / "CDNOW_sample.txt").read_text().splitlines()
    orders = Order.objects.filter(store=cdnow)
    assert orders.count() == len(rows) == OrderLine.objects.filter(order__store=cdnow).count()
    assert set(orders.values_list("flow", "status")) == {("imported", "completed")}
    assert orders.filter(member__external_ref__startswith="cdnow-").count() == len(rows)
