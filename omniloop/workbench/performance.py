"""The assistant's performance and commission (业绩与佣金): the settlement's O2O performance
rows (`settlement.selectors.o2o_performance`: members recruited, online sales of the bound
members, pickups served, commission) for this month and the last, in the brand's months. An
assistant sees their own row; a store manager every assistant of the store."""

from __future__ import annotations

from datetime import datetime

from omniloop.accounts.access import Actor
from omniloop.core import clock
from omniloop.settlement.periods import period_of, previous_period
from omniloop.settlement.selectors import o2o_performance
from omniloop.workbench.scope import workbench_user_id
from omniloop.workbench.values import PerformanceFigures


def workbench_performance(
    *, actor: Actor, at: datetime | None = None
) -> list[tuple[PerformanceFigures, ...]]:
    """Per assistant: (this month, last month)."""
    workbench_user_id(actor)
    current = period_of(at or clock.now())
    periods = (current, previous_period(current))
    rows = {p: {r.assistant.pk: r for r in o2o_performance(actor=actor, period=p)} for p in periods}
    return [
        tuple(
            PerformanceFigures(
                period=p,
                assistant_name=str(r.assistant),
                recruited=r.recruited,
                online_orders=r.online_orders,
                online_sales=r.online_sales,
                pickups=r.pickups,
                commission=r.commission,
            )
            for p in periods
            for r in [rows[p][assistant_id]]
        )
        for assistant_id in rows[current]
        if assistant_id in rows[periods[1]]
    ]
