"""Segment rules (人群规则): strict parsing of the JSON rule into a small tree (docs/segments.md).

Anything unknown or ill-typed is refused with a `ValidationFailed` (422) whose stable code says
what is wrong and whose `path` says where (`$.all[1].op`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from omniloop.core.errors import ValidationFailed

OPS = ("=", "!=", "<", "<=", ">", ">=", "in", "between")
TEXT_OPS = ("=", "!=", "in")
MAX_NODES = 200
MAX_LIST = 1000

FieldKind = Literal["int", "money", "float", "days", "age", "text"]

# name -> kind. The SQL for each lives in rule_sql.FIELD_SQL.
FIELDS: dict[str, FieldKind] = {
    "recency_days": "days",
    "orders_30d": "int",
    "orders_90d": "int",
    "orders_365d": "int",
    "orders_total": "int",
    "spend_30d": "money",
    "spend_90d": "money",
    "spend_365d": "money",
    "spend_total": "money",
    "avg_order_value_365d": "money",
    "tenure_days": "days",
    "tier": "text",
    "points_balance": "int",
    "home_store": "text",
    "city": "text",
    "gender": "text",
    "age": "age",
    "rfm_r": "int",
    "rfm_f": "int",
    "rfm_m": "int",
    "lifecycle": "text",
    "top_category": "text",
    "p_alive": "float",
    "clv_365d": "money",
}

LIST_FILTERS = ("sku", "product", "category", "department", "brand", "store", "channel")
PURCHASED_KEYS = (
    *LIST_FILTERS,
    "weekdays",
    "hours",
    "within_days",
    "since",
    "until",
    "min_orders",
    "min_amount",
)


@dataclass(frozen=True)
class All:
    items: tuple[Rule, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Rule, ...]


@dataclass(frozen=True)
class Not:
    item: Rule


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: Any  # int | Decimal | str, or a tuple of them for in/between


@dataclass(frozen=True)
class Purchased:
    filters: dict[str, tuple[str, ...]]
    weekdays: tuple[int, ...] | None = None
    hours: tuple[int, int] | None = None
    within_days: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_orders: int = 1
    min_amount: Decimal | None = None


Rule = All | AnyOf | Not | Compare | Purchased


def _fail(code: str, path: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{path}: {message}", code=code, extra={"path": path})


class _Parser:
    def __init__(self, tz: Any) -> None:
        self.nodes = 0
        self.tz = tz

    def rule(self, data: Any, path: str) -> Rule:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _fail("rule_too_large", path, f"a rule has at most {MAX_NODES} parts")
        if not isinstance(data, dict) or not data:
            raise _fail("rule_invalid", path, "a rule is a JSON object")
        if "field" in data or "op" in data or "value" in data:
            return self.compare(data, path)
        if len(data) != 1:
            raise _fail("rule_invalid", path, "a rule has exactly one of all, any, not, purchased")
        ((key, body),) = data.items()
        if key in ("all", "any"):
            if not isinstance(body, list) or not body:
                raise _fail("rule_invalid", f"{path}.{key}", "a non-empty list of rules")
            items = tuple(self.rule(r, f"{path}.{key}[{i}]") for i, r in enumerate(body))
            return All(items) if key == "all" else AnyOf(items)
        if key == "not":
            return Not(self.rule(body, f"{path}.not"))
        if key == "purchased":
            return self.purchased(body, f"{path}.purchased")
        raise _fail("rule_unknown_key", f"{path}.{key}", f"unknown rule {key!r}")

    def compare(self, data: dict[str, Any], path: str) -> Compare:
        extra = set(data) - {"field", "op", "value"}
        if extra:
            key = sorted(extra)[0]
            raise _fail("rule_unknown_key", f"{path}.{key}", f"unknown key {key!r}")
        for key in ("field", "op", "value"):
            if key not in data:
                raise _fail("rule_invalid", f"{path}.{key}", f"{key} is required")
        field, op, value = data["field"], data["op"], data["value"]
        if not isinstance(field, str) or field not in FIELDS:
            raise _fail("rule_unknown_field", f"{path}.field", f"unknown field {field!r}")
        kind = FIELDS[field]
        if not isinstance(op, str) or op not in OPS:
            raise _fail("rule_unknown_op", f"{path}.op", f"unknown operator {op!r}")
        if kind == "text" and op not in TEXT_OPS:
            raise _fail("rule_unknown_op", f"{path}.op", f"{field} takes =, != or in")
        vpath = f"{path}.value"
        if op == "in":
            if not isinstance(value, list) or not 1 <= len(value) <= MAX_LIST:
                raise _fail("rule_invalid_value", vpath, f"in takes a list of 1-{MAX_LIST}")
            parsed: Any = tuple(_scalar(kind, v, f"{vpath}[{i}]") for i, v in enumerate(value))
        elif op == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise _fail("rule_invalid_value", vpath, "between takes [low, high]")
            parsed = (
                _scalar(kind, value[0], f"{vpath}[0]"),
                _scalar(kind, value[1], f"{vpath}[1]"),
            )
            if parsed[0] > parsed[1]:
                raise _fail("rule_invalid_value", vpath, "between needs low <= high")
        else:
            parsed = _scalar(kind, value, vpath)
        return Compare(field=field, op=op, value=parsed)

    def purchased(self, body: Any, path: str) -> Purchased:
        if not isinstance(body, dict):
            raise _fail("rule_invalid", path, "purchased takes an object of filters")
        for key in body:
            if key not in PURCHASED_KEYS:
                raise _fail("rule_unknown_filter", f"{path}.{key}", f"unknown filter {key!r}")
        filters: dict[str, tuple[str, ...]] = {}
        for key in LIST_FILTERS:
            if key in body:
                filters[key] = _texts(body[key], f"{path}.{key}")
        out: dict[str, Any] = {}
        if "weekdays" in body:
            days = body["weekdays"]
            days = days if isinstance(days, list) else [days]
            if not days or not all(_is_int(d) and 1 <= d <= 7 for d in days):
                raise _fail("rule_invalid_value", f"{path}.weekdays", "ISO weekdays 1-7")
            out["weekdays"] = tuple(sorted(set(days)))
        if "hours" in body:
            hours = body["hours"]
            ok = isinstance(hours, list) and len(hours) == 2
            ok = ok and all(_is_int(h) and 0 <= h <= 24 for h in hours) and hours[0] != hours[1]
            if not ok:
                raise _fail("rule_invalid_value", f"{path}.hours", "[from, to) hours 0-24")
            out["hours"] = (hours[0], hours[1])
        for key, low in (("within_days", 1), ("min_orders", 1)):
            if key in body:
                v = body[key]
                if not _is_int(v) or not low <= v <= 100_000:
                    raise _fail("rule_invalid_value", f"{path}.{key}", f"an integer >= {low}")
                out[key] = v
        if "min_amount" in body:
            amount = _scalar("money", body["min_amount"], f"{path}.min_amount")
            if amount < 0:
                raise _fail("rule_invalid_value", f"{path}.min_amount", "not negative")
            out["min_amount"] = amount
        for key in ("since", "until"):
            if key in body:
                out[key] = self.moment(body[key], f"{path}.{key}", end_of_day=key == "until")
        return Purchased(filters=filters, **out)

    def moment(self, value: Any, path: str, *, end_of_day: bool) -> datetime:
        try:
            return parse_moment(value, self.tz, end_of_day=end_of_day)
        except ValueError as exc:
            raise _fail("rule_invalid_value", path, "an ISO 8601 date or time") from exc


def parse_moment(value: Any, tz: Any, *, end_of_day: bool) -> datetime:
    """An ISO date or datetime. A date-only value is the start of the day in `tz`, or with
    `end_of_day` the start of the next day (so `< until` includes the whole day); a datetime
    without an offset is read in `tz`."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    if len(value) == 10:
        day = date.fromisoformat(value)
        if end_of_day:
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=tz)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _texts(value: Any, path: str) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    if not values or len(values) > MAX_LIST:
        raise _fail("rule_invalid_value", path, f"a value or a list of 1-{MAX_LIST}")
    if not all(isinstance(v, str) and 0 < len(v) <= 100 for v in values):
        raise _fail("rule_invalid_value", path, "codes are non-empty strings")
    return tuple(values)


def _scalar(kind: FieldKind, value: Any, path: str) -> Any:
    if kind == "text":
        if not isinstance(value, str) or len(value) > 100:
            raise _fail("rule_invalid_value", path, "a string")
        return value
    if kind in ("int", "days", "age"):
        if not _is_int(value) or abs(value) > 10**12:
            raise _fail("rule_invalid_value", path, "an integer")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _fail("rule_invalid_value", path, "a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise _fail("rule_invalid_value", path, "a number") from exc
    if not number.is_finite() or abs(number) > 10**12:
        raise _fail("rule_invalid_value", path, "a finite number")
    return number


def rule_parse(data: Any, *, tz: Any) -> Rule:
    """The rule tree for JSON `data` (already decoded), or `ValidationFailed` naming the path."""
    return _Parser(tz).rule(data, "$")
