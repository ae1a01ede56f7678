"""What higher apps hear about scans, without touchpoints importing them.

Apps register `listener(scan)` in their AppConfig.ready(); `scan_record` calls each in its
transaction right after the scan is written (the wall counts scans per touchpoint and day)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from omniloop.touchpoints.models import ScanEvent

ScanListener = Callable[["ScanEvent"], object]
_listeners: dict[str, ScanListener] = {}


def register_scan_listener(name: str, listener: ScanListener) -> None:
    _listeners[name] = listener


def scan_recorded(scan: ScanEvent) -> None:
    for _, listener in sorted(_listeners.items()):
        listener(scan)
