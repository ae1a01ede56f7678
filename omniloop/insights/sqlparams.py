"""Named SQL parameters that compare correctly on both databases.

Values only ever reach SQL as parameters. SQLite keeps datetimes as UTC text and has no decimal
type (Django adapts a Decimal to text, which never compares equal to a number there), so
datetimes go through the backend's own adaptation and decimals become floats on SQLite only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection


class Params:
    def __init__(self, prefix: str = "p") -> None:
        self.prefix = prefix
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        name = f"{self.prefix}{len(self.values)}"
        self.values[name] = adapt(value)
        return f"%({name})s"

    def named(self, name: str, value: Any) -> str:
        self.values[name] = adapt(value)
        return f"%({name})s"


def adapt(value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    if isinstance(value, Decimal) and connection.vendor == "sqlite":
        return float(value)
    return value
