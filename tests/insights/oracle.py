"""An independent computation of member features and rule matches: plain Python over the ORM
rows, written apart from the SQL it checks (no shared code but the model classes)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from omniloop.attribution.models import MemberBinding
from omniloop.insights.models import MemberFeatures
from omniloop.loyalty.models import LedgerAccount
from omniloop.members.models import Member
from omniloop.orders.models import Order, OrderLine

BRAND_TZ = ZoneInfo("Asia/Shanghai")
DAY = timedelta(days=1)
CENT = Decimal("0.01")


def counted_orders(as_of: datetime) -> list[Order]:
    out = []
    for o in Order.objects.select_related("store", "channel", "member"):
        if o.member_id is None or o.member.status != "active" or o.ordered_at >= as_of:
            continue
        if o.status not in ("paid", "ready", "shipped", "completed"):
            continue
        if o.total > 0 and o.refunded_total >= o.total:
            continue
        out.append(o)
    return out


def _lines() -> dict[int, list[OrderLine]]:
    by_order: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.select_related("sku__product__category"):
        by_order[line.order_id].append(line)
    return by_order


def _tiles_max(values: list[Any]) -> list[Any]:
    """NTILE(5): the first n % 5 tiles get one more; the breakpoint is each tile's largest."""
    values = sorted(values)
    n = len(values)
    sizes = [n // 5 + (1 if i < n % 5 else 0) for i in range(5)]
    out, pos = [], 0
    for size in sizes[:4]:
        pos += size
        out.append(values[pos - 1] if size else None)
    return out


def _score(value: Any, breaks: list[Any]) -> int:
    return 1 + sum(1 for b in breaks if b is not None and value > b)


def _age(birth, day) -> int:  # type: ignore[no-untyped-def]
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def features(as_of: datetime) -> dict[int, dict[str, Any]]:
    orders = counted_orders(as_of)
    lines = _lines()
    by_member: dict[int, list[Order]] = defaultdict(list)
    for o in orders:
        by_member[o.member_id].append(o)
    bindings = {b.member_id: b.store.code for b in MemberBinding.objects.select_related("store")}
    balances = {a.member_id: a.balance for a in LedgerAccount.objects.filter(kind="member")}
    scores = {f.member_id: f for f in MemberFeatures.objects.all()}
    today = as_of.astimezone(BRAND_TZ).date()
    out: dict[int, dict[str, Any]] = {}
    for m in Member.objects.filter(status="active"):
        row: dict[str, Any] = {
            "tier": m.tier,
            "city": m.city,
            "gender": m.gender,
            "tenure_days": (as_of - m.joined_at) // DAY,
            "age": _age(m.birth_date, today) if m.birth_date else None,
            "points_balance": balances.get(m.pk, 0),
            "home_store": bindings.get(m.pk),
            "p_alive": scores[m.pk].p_alive if m.pk in scores else None,
            "clv_365d": scores[m.pk].clv_365d if m.pk in scores else None,
        }
        mine = by_member.get(m.pk, [])
        names = ["recency_days", "orders_total", "spend_total", "avg_order_value_365d"]
        names += ["lifecycle", "top_category", "first", "last"]
        names += [f"{k}_{n}d" for k in ("orders", "spend") for n in (30, 90, 365)]
        row.update(dict.fromkeys(names))
        if mine:
            first = min(o.ordered_at for o in mine)
            last = max(o.ordered_at for o in mine)
            row.update(first=first, last=last, recency_days=(as_of - last) // DAY)
            row["orders_total"] = len(mine)
            row["spend_total"] = sum((o.total - o.refunded_total for o in mine), Decimal(0))
            for n in (30, 90, 365):
                inside = [o for o in mine if as_of - timedelta(days=n) <= o.ordered_at]
                row[f"orders_{n}d"] = len(inside)
                row[f"spend_{n}d"] = sum((o.total - o.refunded_total for o in inside), Decimal(0))
            if row["orders_365d"]:
                aov = row["spend_365d"] / row["orders_365d"]
                row["avg_order_value_365d"] = aov.quantize(CENT, ROUND_HALF_UP)
            by_cat: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
            for o in mine:
                for line in lines[o.pk]:
                    if line.returned_quantity < line.quantity:
                        cat = line.sku.product.category
                        by_cat[(cat.pk, cat.code)] += line.amount
            if by_cat:
                row["top_category"] = min(by_cat, key=lambda k: (-by_cat[k], k[0]))[1]
            d90, d180, d365 = (as_of - timedelta(days=n) for n in (90, 180, 365))
            if first >= d90:
                stage = "new"
            elif last >= d90 and first < d365 and row["orders_365d"] == row["orders_90d"]:
                stage = "won_back"
            elif last >= d90:
                stage = "active"
            elif last >= d180:
                stage = "at_risk"
            else:
                stage = "lapsed"
            row["lifecycle"] = stage
        out[m.pk] = row
    buyers = [r for r in out.values() if r["last"] is not None]
    breaks = {
        "rfm_r": _tiles_max([r["last"] for r in buyers]),
        "rfm_f": _tiles_max([r["orders_total"] for r in buyers]),
        "rfm_m": _tiles_max([r["spend_total"] for r in buyers]),
    }
    source = {"rfm_r": "last", "rfm_f": "orders_total", "rfm_m": "spend_total"}
    for r in out.values():
        for key, col in source.items():
            r[key] = None if r["last"] is None else _score(r[col], breaks[key])
    return out


def _compare(value: Any, op: str, target: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and not isinstance(target, list):
        target = float(target)
    if op == "=":
        return value == target
    if op == "!=":
        return value != target
    if op == "<":
        return value < target
    if op == "<=":
        return value <= target
    if op == ">":
        return value > target
    if op == ">=":
        return value >= target
    if op == "in":
        return value in [float(t) if isinstance(value, float) else t for t in target]
    low, high = target
    if isinstance(value, float):
        low, high = float(low), float(high)
    return low <= value <= high


def _moment(value: str, end: bool) -> datetime:
    if len(value) == 10:
        day = datetime.fromisoformat(value).date() + (DAY if end else timedelta(0))
        return datetime.combine(day, time(0), tzinfo=BRAND_TZ)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=BRAND_TZ)


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def _purchased(spec: dict[str, Any], member_id: int, ctx: dict[str, Any]) -> bool:
    as_of = ctx["as_of"]
    matched_orders, amount = 0, Decimal(0)
    for o in ctx["by_member"].get(member_id, []):
        tz = ZoneInfo(o.store.timezone) if o.store else BRAND_TZ
        local = o.ordered_at.astimezone(tz)
        if "weekdays" in spec and local.isoweekday() not in _as_list(spec["weekdays"]):
            continue
        if "hours" in spec:
            lo, hi = spec["hours"]
            inside = lo <= local.hour < hi if lo < hi else (local.hour >= lo or local.hour < hi)
            if not inside:
                continue
        if "within_days" in spec and o.ordered_at < as_of - timedelta(days=spec["within_days"]):
            continue
        if "since" in spec and o.ordered_at < _moment(spec["since"], False):
            continue
        if "until" in spec and o.ordered_at >= _moment(spec["until"], True):
            continue
        if "store" in spec and (o.store is None or o.store.code not in _as_list(spec["store"])):
            continue
        if "channel" in spec and o.channel.code not in _as_list(spec["channel"]):
            continue
        good = []
        for line in ctx["lines"][o.pk]:
            if line.returned_quantity >= line.quantity:
                continue
            p = line.sku.product
            checks = {
                "sku": line.sku.sku_code,
                "product": p.style_code,
                "category": p.category.code,
                "department": p.department,
                "brand": p.brand,
            }
            if all(checks[k] in _as_list(spec[k]) for k in checks if k in spec):
                good.append(line)
        if good:
            matched_orders += 1
            amount += sum((line.amount for line in good), Decimal(0))
    if matched_orders < spec.get("min_orders", 1):
        return False
    return "min_amount" not in spec or amount >= Decimal(str(spec["min_amount"]))


def matches(rule: dict[str, Any], member_id: int, row: dict[str, Any], ctx: dict[str, Any]) -> bool:
    if "all" in rule:
        return all(matches(r, member_id, row, ctx) for r in rule["all"])
    if "any" in rule:
        return any(matches(r, member_id, row, ctx) for r in rule["any"])
    if "not" in rule:
        return not matches(rule["not"], member_id, row, ctx)
    if "purchased" in rule:
        return _purchased(rule["purchased"], member_id, ctx)
    value, target = row[rule["field"]], rule["value"]
    if isinstance(value, Decimal) or rule["field"].startswith("spend"):
        target = (
            [Decimal(str(t)) for t in target] if isinstance(target, list) else Decimal(str(target))
        )
    return _compare(value, rule["op"], target)


class Oracle:
    """The expected members of any rule at one as_of, over the rows as they are now."""

    def __init__(self, as_of: datetime) -> None:
        self.rows = features(as_of)
        by_member: dict[int, list[Order]] = defaultdict(list)
        for o in counted_orders(as_of):
            by_member[o.member_id].append(o)
        self.ctx = {"as_of": as_of, "by_member": by_member, "lines": _lines()}

    def ids(self, rule: dict[str, Any]) -> list[int]:
        rows = self.rows.items()
        return sorted(mid for mid, row in rows if matches(rule, mid, row, self.ctx))


def expected_ids(rule: dict[str, Any], as_of: datetime) -> list[int]:
    return Oracle(as_of).ids(rule)
