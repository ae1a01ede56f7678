"""Fitting both models on the brand's history."""

from __future__ import annotations

from datetime import date, datetime

from omniloop.clv.bgnbd import bgnbd_fit
from omniloop.clv.gamma_gamma import gamma_gamma_fit
from omniloop.clv.summaries import clv_summaries
from omniloop.clv.values import ClvFit


def clv_fit(*, as_of: date | datetime, unit_days: int = 1) -> ClvFit:
    """BG/NBD and Gamma-Gamma fitted on every member's counted purchases up to `as_of` (a day
    or an instant, as in `clv_summaries`), time in units of `unit_days` days (the parameters
    depend on the unit: alpha scales with it)."""
    summaries = clv_summaries(as_of=as_of, unit_days=unit_days)
    return ClvFit(
        as_of=summaries.as_of,
        bgnbd=bgnbd_fit(summaries),
        gamma_gamma=gamma_gamma_fit(summaries),
    )
