"""`omniloop clv fit`: arguments and errors (the figures are in test_cdnow)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from omniloop.clv.as_of import as_of_parse
from omniloop.core.errors import ValidationFailed
from tests.clv.helpers import member, place_orders, simulate_bgnbd
from tests.factories import make_store

SH = ZoneInfo("Asia/Shanghai")


def test_as_of_parse_reads_dates_and_datetimes() -> None:
    assert as_of_parse("1997-09-30", tz=SH) == date(1997, 9, 30)
    assert as_of_parse("1997-09-30T12:00", tz=SH) == datetime(1997, 9, 30, 12, tzinfo=SH)
    assert as_of_parse("1997-09-30T12:00:00+00:00", tz=SH) == datetime(1997, 9, 30, 12, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as err:
        as_of_parse("30/09/1997", tz=SH)
    assert err.value.code == "as_of_invalid"


@pytest.mark.django_db
def test_fit_without_history_fails_with_a_code() -> None:
    with pytest.raises(CommandError, match="clv_no_history"):
        call_command("clv", "fit", "--as-of", "2026-01-01", stdout=StringIO())
    with pytest.raises(CommandError, match="as_of_invalid"):
        call_command("clv", "fit", "--as-of", "yesterday", stdout=StringIO())


@pytest.mark.django_db
def test_fit_in_days_prints_the_json_and_scales_alpha_with_the_unit() -> None:
    store = make_store(timezone="Asia/Shanghai")
    start = datetime(2025, 1, 1, 10, tzinfo=SH)
    history = simulate_bgnbd(np.random.default_rng(3), 150, 300.0, 0.8, 12.0, 1.2, 3.0)
    rows = []
    for i, times in enumerate(history):
        m = member(f"c{i}")
        first = start + timedelta(days=i % 60)
        for k, t in enumerate(times):
            rows.append((m, store, first + timedelta(days=int(t)), f"{20 + (i * 7 + k) % 30}.00"))
    place_orders(rows)
    by_day, by_week = StringIO(), StringIO()
    call_command("clv", "fit", "--as-of", "2026-01-31", stdout=by_day)
    call_command("clv", "fit", "--as-of", "2026-01-31", "--unit", "week", stdout=by_week)
    day, week = json.loads(by_day.getvalue()), json.loads(by_week.getvalue())
    repeaters = sum(len({int(t) for t in times}) > 1 for times in history)
    assert day["bgnbd"]["customers"] == week["bgnbd"]["customers"] == 150
    assert day["gamma_gamma"]["customers"] == week["gamma_gamma"]["customers"] == repeaters
    # A week is 7 days: alpha (a time scale) divides by 7; r and the dropout parameters stay.
    assert week["bgnbd"]["alpha"] == pytest.approx(day["bgnbd"]["alpha"] / 7, rel=1e-4)
    for k in ("r", "a", "b"):
        assert week["bgnbd"][k] == pytest.approx(day["bgnbd"][k], rel=1e-4)
    assert week["gamma_gamma"] == pytest.approx(day["gamma_gamma"], rel=1e-6)
