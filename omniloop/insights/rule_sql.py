# ruff: noqa: S608 (SQL text built from fixed fragments; every value is a parameter)
"""A parsed rule as one SQL WHERE over a feature source (docs/segments.md, ADR 23).

The source is either the materialised `insights_memberfeatures` table or, for a historical
`as_of`, `feature_sql.features_select` as a derived table: the same columns, so one WHERE serves
both. `purchased` becomes `f.member_id IN (SELECT ... GROUP BY member HAVING ...)` over orders.
Derived integers (`recency_days`, `tenure_days`, `age`) become range conditions on the stored
time, so they use indexes and need no date arithmetic in SQL. Every comparison is
`(expr IS NOT NULL AND ...)`: a NULL never matches, and `not` is the complement of its rule.
Values reach SQL only as parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.db import connection

from omniloop.insights.feature_sql import counted_order_filter, features_select
from omniloop.insights.rules import All, AnyOf, Compare, Not, Purchased, Rule
from omniloop.insights.sqlparams import Params

Source = Literal["features", "orders"]

JOINS = {
    "m": "JOIN members_member m ON m.id = f.member_id",
    "la": "LEFT JOIN loyalty_ledgeraccount la ON la.member_id = f.member_id",
    "hs": "LEFT JOIN attribution_memberbinding hb ON hb.member_id = f.member_id"
    " LEFT JOIN stores_store hs ON hs.id = hb.store_id",
    "tc": "LEFT JOIN catalog_category tc ON tc.id = f.top_category_id",
    "sc": "LEFT JOIN insights_memberfeatures sc ON sc.member_id = f.member_id",
}
# The CLV scorer's predictions are not recomputed for a historical as_of: the orders source
# reads the latest ones from the table.
SCORER_FIELDS = ("p_alive", "clv_365d")

# field -> (SQL expression, join it needs or "")
FIELD_SQL: dict[str, tuple[str, str]] = {
    "recency_days": ("f.last_order_at", ""),
    "tenure_days": ("m.joined_at", "m"),
    "age": ("m.birth_date", "m"),
    "tier": ("m.tier", "m"),
    "city": ("m.city", "m"),
    "gender": ("m.gender", "m"),
    "points_balance": ("COALESCE(la.balance, 0)", "la"),
    "home_store": ("hs.code", "hs"),
    "top_category": ("tc.code", "tc"),
    **{
        name: (f"f.{name}", "")
        for name in (
            "orders_30d",
            "orders_90d",
            "orders_365d",
            "orders_total",
            "spend_30d",
            "spend_90d",
            "spend_365d",
            "spend_total",
            "avg_order_value_365d",
            "rfm_r",
            "rfm_f",
            "rfm_m",
            "lifecycle",
            "p_alive",
            "clv_365d",
        )
    },
}


def _minus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


@dataclass
class Compiled:
    where: str
    joins: set[str] = field(default_factory=set)


class _Compiler:
    def __init__(
        self, *, as_of: datetime, tz: Any, tz_name: str, params: Params, source: Source
    ) -> None:
        self.source = source
        self.as_of = as_of
        self.as_of_date = as_of.astimezone(tz).date()
        self.tz_name = tz_name
        self.params = params
        self.joins: set[str] = set()

    def rule(self, rule: Rule) -> str:
        if isinstance(rule, All):
            return "(" + " AND ".join(self.rule(r) for r in rule.items) + ")"
        if isinstance(rule, AnyOf):
            return "(" + " OR ".join(self.rule(r) for r in rule.items) + ")"
        if isinstance(rule, Not):
            return f"(NOT {self.rule(rule.item)})"
        if isinstance(rule, Purchased):
            return self.purchased(rule)
        return self.compare(rule)

    def compare(self, rule: Compare) -> str:
        expr, join = FIELD_SQL[rule.field]
        if rule.field in SCORER_FIELDS and self.source == "orders":
            expr, join = f"sc.{rule.field}", "sc"
        if join:
            self.joins.add(join)
        if rule.field == "recency_days" or rule.field == "tenure_days":
            cond = self._threshold(expr, rule, lambda n: self.as_of - timedelta(days=n))
        elif rule.field == "age":
            cond = self._threshold(expr, rule, lambda n: _minus_years(self.as_of_date, n))
        else:
            cond = self._plain(expr, rule)
        return f"({expr} IS NOT NULL AND {cond})"

    def _plain(self, expr: str, rule: Compare) -> str:
        p = self.params.add
        if rule.op == "in":
            return f"{expr} IN ({', '.join(p(v) for v in rule.value)})"
        if rule.op == "between":
            return f"{expr} BETWEEN {p(rule.value[0])} AND {p(rule.value[1])}"
        return f"{expr} {'<>' if rule.op == '!=' else rule.op} {p(rule.value)}"

    def _threshold(self, col: str, rule: Compare, bound: Callable[[int], Any]) -> str:
        """value >= n  <=>  col <= bound(n), for a value that grows as `col` goes back in time
        (whole days since a moment, whole years since a birth date)."""
        p = self.params.add

        def at_least(n: int) -> str:
            return f"{col} <= {p(bound(n))}"

        def below(n: int) -> str:
            return f"{col} > {p(bound(n))}"

        def equal(n: int) -> str:
            return f"({at_least(n)} AND {below(n + 1)})"

        v = rule.value
        if rule.op == ">=":
            return at_least(v)
        if rule.op == ">":
            return at_least(v + 1)
        if rule.op == "<":
            return below(v)
        if rule.op == "<=":
            return below(v + 1)
        if rule.op == "=":
            return equal(v)
        if rule.op == "!=":
            return f"NOT {equal(v)}"
        if rule.op == "between":
            return f"({at_least(v[0])} AND {below(v[1] + 1)})"
        return "(" + " OR ".join(equal(n) for n in v) + ")"

    def _local(self, part: Literal["isodow", "hour"]) -> str:
        tz = f"COALESCE(s.timezone, {self.params.add(self.tz_name)})"
        if connection.vendor == "postgresql":
            return f"EXTRACT({part.upper()} FROM o.ordered_at AT TIME ZONE {tz})"
        return f"ol_local_{part}(o.ordered_at, {tz})"

    def purchased(self, rule: Purchased) -> str:
        p = self.params.add
        joins = ["JOIN orders_orderline l ON l.order_id = o.id"]
        conds = [
            counted_order_filter("o", self.params),
            f"o.ordered_at < {p(self.as_of)}",
            "l.returned_quantity < l.quantity",
        ]
        filters = rule.filters
        if set(filters) & {"sku", "product", "category", "department", "brand"}:
            joins.append("JOIN catalog_sku k ON k.id = l.sku_id")
        if set(filters) & {"product", "category", "department", "brand"}:
            joins.append("JOIN catalog_product p ON p.id = k.product_id")
        if "category" in filters:
            joins.append("JOIN catalog_category c ON c.id = p.category_id")
        if "store" in filters or rule.hours or rule.weekdays:
            joins.append("LEFT JOIN stores_store s ON s.id = o.store_id")
        if "channel" in filters:
            joins.append("JOIN stores_saleschannel ch ON ch.id = o.channel_id")
        columns = {
            "sku": "k.sku_code",
            "product": "p.style_code",
            "category": "c.code",
            "department": "p.department",
            "brand": "p.brand",
            "store": "s.code",
            "channel": "ch.code",
        }
        for key, values in filters.items():
            conds.append(f"{columns[key]} IN ({', '.join(p(v) for v in values)})")
        if rule.weekdays:
            conds.append(f"{self._local('isodow')} IN ({', '.join(p(d) for d in rule.weekdays)})")
        if rule.hours:
            start, end = rule.hours
            hour = self._local("hour")
            joiner = "AND" if start < end else "OR"
            conds.append(f"({hour} >= {p(start)} {joiner} {hour} < {p(end)})")
        if rule.within_days is not None:
            conds.append(f"o.ordered_at >= {p(self.as_of - timedelta(days=rule.within_days))}")
        if rule.since is not None:
            conds.append(f"o.ordered_at >= {p(rule.since)}")
        if rule.until is not None:
            conds.append(f"o.ordered_at < {p(rule.until)}")
        having = f"COUNT(DISTINCT o.id) >= {p(rule.min_orders)}"
        if rule.min_amount is not None:
            having += f" AND SUM(l.amount) >= {p(rule.min_amount)}"
        return (
            f"f.member_id IN (SELECT o.member_id FROM orders_order o {' '.join(joins)}"
            f" WHERE {' AND '.join(conds)} GROUP BY o.member_id HAVING {having})"
        )


def segment_from_where(
    rule: Rule,
    *,
    as_of: datetime,
    source: Source,
    tz: Any,
    tz_name: str,
    params: Params,
    extra_joins: str = "",
) -> str:
    """`FROM <source> f <joins> WHERE <rule>`: select `f.member_id` (or count) in front of it."""
    compiler = _Compiler(as_of=as_of, tz=tz, tz_name=tz_name, params=params, source=source)
    where = compiler.rule(rule)
    if source == "features":
        table = "insights_memberfeatures f"
    else:
        table = f"({features_select(as_of=as_of, params=params)}) f"
    joins = " ".join(JOINS[j] for j in sorted(compiler.joins))
    return f"FROM {table} {joins} {extra_joins} WHERE {where}"
