"""Fixed-window rate limits that are exact under concurrency.

With REDIS_URL set, counters live in Redis (INCR is atomic, keys expire by themselves). Without it
they live in the database and are incremented by one conditional UPDATE (`count < limit`), which
PostgreSQL re-checks on the newest row version and SQLite serialises, so N parallel callers can
never pass a limit of K more than K times.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from omniloop.core import clock
from omniloop.core.errors import RateLimited
from omniloop.core.models import RateLimitCounter


def _window_start(at: datetime, seconds: int) -> datetime:
    epoch = int(at.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=at.tzinfo)


def _hit_redis(key: str, limit: int, seconds: int, start: datetime) -> bool:
    from django_redis import get_redis_connection

    conn = get_redis_connection("default")
    rkey = f"omniloop:rl:{key}:{int(start.timestamp())}"
    pipe = conn.pipeline()
    pipe.incr(rkey)
    pipe.expire(rkey, seconds + 5)
    count, _ = pipe.execute()
    return int(count) <= limit


def _hit_db(key: str, limit: int, start: datetime) -> bool:
    with transaction.atomic():
        if not RateLimitCounter.objects.filter(key=key, window_start=start).exists():
            try:
                with transaction.atomic():
                    RateLimitCounter.objects.create(key=key, window_start=start, count=0)
            except IntegrityError:
                pass  # another caller created the window first
        updated = RateLimitCounter.objects.filter(
            key=key, window_start=start, count__lt=limit
        ).update(count=F("count") + 1)
        return updated == 1


def hit(key: str, rules: list[tuple[int, int]], *, code: str, message: str) -> None:
    """Count one event against every (limit, window seconds) rule; raise RateLimited if any is full.

    Counting stops at the first full window so a blocked caller does not use up longer windows."""
    at = clock.now()
    for limit, seconds in rules:
        start = _window_start(at, seconds)
        full_key = f"{key}:{seconds}"
        ok = (
            _hit_redis(full_key, limit, seconds, start)
            if settings.REDIS_URL
            else _hit_db(full_key, limit, start)
        )
        if not ok:
            retry = int((start + timedelta(seconds=seconds) - at).total_seconds()) + 1
            raise RateLimited(message, retry_after=retry, code=code)


def prune(older_than: timedelta = timedelta(days=2)) -> int:
    deleted, _ = RateLimitCounter.objects.filter(window_start__lt=clock.now() - older_than).delete()
    return deleted
