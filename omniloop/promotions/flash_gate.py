"""The Redis gate in front of a flash sale: sheds the flood once the stock is gone, before it
reaches PostgreSQL. Used only when `settings.REDIS_URL` is set; without it the database alone
decides, and with it the database still does: the gate can only say "certainly sold out".

The gate is a counter per sale, loaded from `stock_left` when missing and expiring after
`TTL_SECONDS`, so any drift heals by itself. It must never count *below* the stock the database
still has (that would leave units unsold), and it may count above it (those claims reach the
database and fail there). Hence:

- `take` refuses when the counter is below the quantity and otherwise decrements it (one Lua
  script: check and decrement are atomic, the counter never goes below zero);
- a claim that took from the gate and then failed in the database gives its units back, except
  when the database said "sold out": then the counter is set to the database's own figure;
- anything that returns stock to the database (an expired hold) drops the counter, which is
  reloaded from the database on the next claim. Reloading can only over-count (claims that took
  from the old counter have not committed yet), which is the safe side.

Redis being down is not an error: the gate steps aside and the database decides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache

from django.conf import settings

logger = logging.getLogger("omniloop.promotions.flash")

TTL_SECONDS = 60

# KEYS[1] counter; ARGV[1] quantity. Returns {1, left after} when taken, {0, left} when refused,
# {-1, 0} when the counter is not loaded.
_TAKE = """
local left = redis.call('GET', KEYS[1])
if not left then return {-1, 0} end
left = tonumber(left)
if left < tonumber(ARGV[1]) then return {0, left} end
return {1, redis.call('DECRBY', KEYS[1], ARGV[1])}
"""
# Give back only to a live counter: a missing one is reloaded from the database anyway.
_GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return -2
"""


def _key(flash_sale_id: int) -> str:
    return f"omniloop:flash:{flash_sale_id}:stock"


@cache
def _client(url: str):  # type: ignore[no-untyped-def]
    import redis

    client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return client, client.register_script(_TAKE), client.register_script(_GIVE_BACK)


def enabled() -> bool:
    return bool(settings.REDIS_URL)


def take(flash_sale_id: int, quantity: int, *, load: Callable[[], int]) -> tuple[bool, int] | None:
    """(True, left) when the units were taken from the counter; (False, left) when the sale is
    certainly sold out for this quantity; None without a gate (no Redis configured, or Redis
    unavailable): the database decides alone. `load()` reads stock_left when the counter is
    missing."""
    if not enabled():
        return None
    try:
        client, take_script, _ = _client(settings.REDIS_URL)
        key = _key(flash_sale_id)
        taken, left = take_script(keys=[key], args=[quantity])
        if taken == -1:
            client.set(key, load(), nx=True, ex=TTL_SECONDS)
            taken, left = take_script(keys=[key], args=[quantity])
    except _redis_errors() as exc:
        logger.warning("flash gate unavailable, the database decides alone: %s", exc)
        return None
    return taken == 1, int(left)


def peek(flash_sale_id: int) -> int | None:
    """The counter as it stands, or None when there is no gate or no counter yet."""
    if not enabled():
        return None
    try:
        left = _client(settings.REDIS_URL)[0].get(_key(flash_sale_id))
    except _redis_errors() as exc:
        logger.warning("flash gate unavailable: %s", exc)
        return None
    return None if left is None else int(left)


def give_back(flash_sale_id: int, quantity: int) -> None:
    _quietly(lambda c: c[2](keys=[_key(flash_sale_id)], args=[quantity]))


def set_left(flash_sale_id: int, stock_left: int) -> None:
    """Align the counter with the database's figure (after the database said sold out)."""
    _quietly(lambda c: c[0].set(_key(flash_sale_id), stock_left, ex=TTL_SECONDS))


def forget(flash_sale_id: int) -> None:
    """Drop the counter; the next claim reloads it from the database."""
    _quietly(lambda c: c[0].delete(_key(flash_sale_id)))


def _quietly(action: Callable[..., object]) -> None:
    if not enabled():
        return
    try:
        action(_client(settings.REDIS_URL))
    except _redis_errors() as exc:
        # The counter expires within TTL_SECONDS and is reloaded from the database.
        logger.warning("flash gate not updated: %s", exc)


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.exceptions.RedisError, OSError)
