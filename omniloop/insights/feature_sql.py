# ruff: noqa: S608 (SQL text built from fixed fragments; every value is a parameter)
"""The feature computation, as one set-based SQL statement (the one module a distributed engine
replaces, ADR 23).

`features_select` returns a SELECT with one row per active member and the columns of
`FEATURE_COLUMNS`, computed from orders strictly before `as_of`. The same text feeds the bulk
rebuild (`INSERT ... SELECT ... ON CONFLICT`), the per-member recomputation when an order is
recorded, and segment evaluation at a historical `as_of` (as a derived table). It runs unchanged
on PostgreSQL and SQLite.

Definitions (docs/segments.md):
- counted orders: a member's orders with status paid, ready, shipped or completed, not fully
  refunded (`refunded_total >= total > 0`), `ordered_at < as_of`; an order's spend is
  `total - refunded_total`;
- `_Nd` windows: `as_of - N days <= ordered_at < as_of`;
- RFM: each score is 1 + the number of quintile breakpoints the member's value exceeds (last
  order time, lifetime orders, lifetime spend); breakpoints are the population's quintiles at
  the rebuild, or given (the per-member recomputation keeps the last rebuild's scale);
- lifecycle: new (first order within 90 days), won_back (ordering within 90 days after a year
  without, first order over a year ago), active (ordered within 90 days), at_risk (last order
  90-180 days ago), lapsed (over 180 days);
- favourite category: the category with the largest line amount (ties: lowest id), with its
  share of the member's line amounts; lines fully returned are left out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from omniloop.insights.sqlparams import Params

COUNTED_STATUSES = ("paid", "ready", "shipped", "completed")
WINDOWS = (30, 90, 365)
LIFECYCLE_STAGES = ("new", "active", "won_back", "at_risk", "lapsed")

FEATURE_COLUMNS = (
    "member_id",
    "computed_at",
    "first_order_at",
    "last_order_at",
    "orders_total",
    "spend_total",
    "orders_30d",
    "orders_90d",
    "orders_365d",
    "spend_30d",
    "spend_90d",
    "spend_365d",
    "avg_order_value_365d",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "lifecycle",
    "top_category_id",
    "top_category_share",
)


@dataclass(frozen=True)
class RfmBreaks:
    """Four ascending quintile breakpoints per score (None where the population is too small)."""

    r: tuple[datetime | None, ...]
    f: tuple[int | None, ...]
    m: tuple[Decimal | None, ...]

    def as_json(self) -> dict[str, list[str | int | None]]:
        return {
            "r": [v.isoformat() if v else None for v in self.r],
            "f": [None if v is None else int(v) for v in self.f],
            "m": [None if v is None else str(v) for v in self.m],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RfmBreaks:
        return cls(
            r=tuple(datetime.fromisoformat(v) if v else None for v in data["r"]),
            f=tuple(None if v is None else int(v) for v in data["f"]),
            m=tuple(None if v is None else Decimal(v) for v in data["m"]),
        )


Breaks = RfmBreaks | Literal["compute", "none"]


def counted_order_filter(alias: str, params: Params) -> str:
    """The WHERE fragment that makes an order count (shared with `purchased` rules)."""
    statuses = ", ".join(params.add(s) for s in COUNTED_STATUSES)
    return (
        f"{alias}.member_id IS NOT NULL AND {alias}.status IN ({statuses})"
        f" AND NOT ({alias}.total > 0 AND {alias}.refunded_total >= {alias}.total)"
    )


def _breaks_cte(source: str) -> str:
    tiles = (
        "SELECT last_order_at, orders_total, spend_total,"
        " NTILE(5) OVER (ORDER BY last_order_at) AS tr,"
        " NTILE(5) OVER (ORDER BY orders_total) AS tf,"
        " NTILE(5) OVER (ORDER BY spend_total) AS tm"
        f" FROM {source} WHERE last_order_at IS NOT NULL"
    )
    cols = ", ".join(
        f"MAX(CASE WHEN t{k} = {i} THEN {col} END) AS {k}{i}"
        for k, col in (("r", "last_order_at"), ("f", "orders_total"), ("m", "spend_total"))
        for i in range(1, 5)
    )
    return f"SELECT {cols} FROM ({tiles}) tiles"


def rfm_breaks_select(source: str = "insights_memberfeatures") -> str:
    """The breakpoints of a feature table (what the rebuild found), as one row r1..m4."""
    return _breaks_cte(source)


def _score(value: str, key: str, breaks: Breaks, params: Params) -> str:
    if breaks == "none":
        return "NULL"
    terms = []
    for i in range(1, 5):
        bound = f"b.{key}{i}" if breaks == "compute" else params.add(getattr(breaks, key)[i - 1])
        terms.append(f"CASE WHEN {value} > {bound} THEN 1 ELSE 0 END")
    return f"CASE WHEN a.member_id IS NULL THEN NULL ELSE 1 + {' + '.join(terms)} END"


AGGREGATE_COLUMNS = (
    "member_id",
    "first_order_at",
    "last_order_at",
    "orders_total",
    "spend_total",
    *(f"{kind}_{n}d" for n in WINDOWS for kind in ("orders", "spend")),
)
# What an aggregation engine hands back per member with counted orders (ADR 48): the `agg`
# columns, then the favourite category, its line amount and the member's line amount in all.
STAGE_COLUMNS = (*AGGREGATE_COLUMNS, "top_category_id", "top_amount", "all_amount")


def _bounds(as_of: datetime, params: Params) -> dict[int, str]:
    return {n: params.add(as_of - timedelta(days=n)) for n in (*WINDOWS, 180)}


def aggregate_ctes(*, as_of: datetime, params: Params, member_id: int | None = None) -> list[str]:
    """The aggregation half of the computation: `co` (counted orders), `agg` (one row per member
    with counted orders), `cat` and `topcat` (line amounts by category, ranked). Portable SQL:
    it runs on PostgreSQL, SQLite and, over exported rows, DuckDB (ADR 48)."""
    bound = _bounds(as_of, params)
    as_of_p = params.add(as_of)
    one_order = f" AND o.member_id = {params.add(member_id)}" if member_id is not None else ""
    windows = ",\n    ".join(
        f"SUM(CASE WHEN co.ordered_at >= {bound[n]} THEN 1 ELSE 0 END) AS orders_{n}d,\n"
        f"    ROUND(SUM(CASE WHEN co.ordered_at >= {bound[n]} THEN co.spend ELSE 0 END), 2)"
        f" AS spend_{n}d"
        for n in WINDOWS
    )
    active = params.add("active")
    return [
        f"""co AS (
  SELECT o.id AS order_id, o.member_id, o.ordered_at, o.total - o.refunded_total AS spend
  FROM orders_order o JOIN members_member mm ON mm.id = o.member_id AND mm.status = {active}
  WHERE {counted_order_filter("o", params)} AND o.ordered_at < {as_of_p}{one_order}
)""",
        f"""agg AS (
  SELECT co.member_id, MIN(co.ordered_at) AS first_order_at, MAX(co.ordered_at) AS last_order_at,
    COUNT(*) AS orders_total, ROUND(SUM(co.spend), 2) AS spend_total,
    {windows}
  FROM co GROUP BY co.member_id
)""",
        """cat AS (
  SELECT co.member_id, p.category_id, SUM(l.amount) AS amount
  FROM co JOIN orders_orderline l ON l.order_id = co.order_id
  JOIN catalog_sku k ON k.id = l.sku_id JOIN catalog_product p ON p.id = k.product_id
  WHERE l.returned_quantity < l.quantity
  GROUP BY co.member_id, p.category_id
)""",
        """topcat AS (
  SELECT member_id, category_id, amount, SUM(amount) OVER (PARTITION BY member_id) AS all_amount,
    ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY amount DESC, category_id) AS rn
  FROM cat
)""",
    ]


def stage_select(*, as_of: datetime, params: Params) -> str:
    """The aggregation half as one SELECT of `STAGE_COLUMNS` (what an engine computes, ADR 48)."""
    agg_cols = ", ".join(f"a.{c}" for c in AGGREGATE_COLUMNS)
    return (
        "WITH "
        + ",\n".join(aggregate_ctes(as_of=as_of, params=params))
        + f"\nSELECT {agg_cols}, t.category_id AS top_category_id, t.amount AS top_amount,"
        " t.all_amount AS all_amount\n  FROM agg a"
        " LEFT JOIN topcat t ON t.member_id = a.member_id AND t.rn = 1"
    )


def features_select(
    *,
    as_of: datetime,
    params: Params,
    breaks: Breaks = "compute",
    member_id: int | None = None,
    staged: str | None = None,
) -> str:
    """One row per active member (or the one member) with `FEATURE_COLUMNS`, as of `as_of`.
    With `staged` (a table of `STAGE_COLUMNS` an engine computed), the aggregation half is read
    from it instead of being computed here; the finishing half is the same text either way."""
    if staged is not None:  # one row per member holds both halves' inputs: one join
        ctes = [f"agg AS (SELECT {', '.join(AGGREGATE_COLUMNS)} FROM {staged})"]
        joins = f"LEFT JOIN {staged} a ON a.member_id = m.id"
        top = {c: f"a.{c}" for c in ("top_category_id", "top_amount", "all_amount")}
    else:
        ctes = aggregate_ctes(as_of=as_of, params=params, member_id=member_id)
        joins = (
            "LEFT JOIN agg a ON a.member_id = m.id\n"
            "  LEFT JOIN topcat t ON t.member_id = m.id AND t.rn = 1"
        )
        top = {
            "top_category_id": "t.category_id",
            "top_amount": "t.amount",
            "all_amount": "t.all_amount",
        }
    bound = _bounds(as_of, params)
    active = params.add("active")
    one_member = f" AND m.id = {params.add(member_id)}" if member_id is not None else ""
    breaks_join = ""
    if breaks == "compute":
        ctes.append(f"b AS ({_breaks_cte('agg')})")
        breaks_join = " CROSS JOIN b"
    rfm_r = _score("a.last_order_at", "r", breaks, params)
    rfm_f = _score("a.orders_total", "f", breaks, params)
    rfm_m = _score("a.spend_total", "m", breaks, params)
    lifecycle = f"""CASE WHEN a.member_id IS NULL THEN NULL
      WHEN a.first_order_at >= {bound[90]} THEN {params.add("new")}
      WHEN a.last_order_at >= {bound[90]} AND a.first_order_at < {bound[365]}
        AND a.orders_365d = a.orders_90d THEN {params.add("won_back")}
      WHEN a.last_order_at >= {bound[90]} THEN {params.add("active")}
      WHEN a.last_order_at >= {bound[180]} THEN {params.add("at_risk")}
      ELSE {params.add("lapsed")} END"""
    select = f"""SELECT m.id AS member_id, {params.add(as_of)} AS computed_at,
    a.first_order_at, a.last_order_at, a.orders_total, a.spend_total,
    a.orders_30d, a.orders_90d, a.orders_365d, a.spend_30d, a.spend_90d, a.spend_365d,
    CASE WHEN a.orders_365d > 0 THEN ROUND(1.0 * a.spend_365d / a.orders_365d, 2) END
      AS avg_order_value_365d,
    {rfm_r} AS rfm_r, {rfm_f} AS rfm_f, {rfm_m} AS rfm_m,
    {lifecycle} AS lifecycle,
    {top["top_category_id"]} AS top_category_id,
    CASE WHEN {top["all_amount"]} > 0
      THEN ROUND(1.0 * {top["top_amount"]} / {top["all_amount"]}, 4) END AS top_category_share
  FROM members_member m{breaks_join}
  {joins}
  WHERE m.status = {active}{one_member}"""
    return "WITH " + ",\n".join(ctes) + "\n" + select


def features_upsert(
    *, as_of: datetime, params: Params, breaks: Breaks, member_id: int | None = None
) -> str:
    """INSERT the SELECT into the feature table, replacing every column but the CLV scorer's."""
    select = features_select(as_of=as_of, params=params, breaks=breaks, member_id=member_id)
    cols = ", ".join(FEATURE_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in FEATURE_COLUMNS if c != "member_id")
    with_part, _, select_part = select.partition("\nSELECT ")
    return (
        f"{with_part}\nINSERT INTO insights_memberfeatures ({cols})\nSELECT {select_part}\n"
        f"ON CONFLICT (member_id) DO UPDATE SET {updates}"
    )
