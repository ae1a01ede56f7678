"""The one way an API operation answers idempotently (ADR 2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Status

from omniloop.api.auth import actor_of
from omniloop.core.idempotency import run_idempotent


def respond_idempotently(
    request: HttpRequest,
    response: HttpResponse,
    *,
    key: str | None,
    handler: Callable[[], tuple[int, dict[str, Any]]],
) -> Status:
    """Run `handler` once per (token, Idempotency-Key); replays carry `Idempotent-Replayed`."""
    result = run_idempotent(
        scope=f"token:{actor_of(request).token_id}",
        key=key,
        method=request.method or "POST",
        path=request.path,
        payload=json.loads(request.body),
        handler=handler,
    )
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(result.status, result.body)
