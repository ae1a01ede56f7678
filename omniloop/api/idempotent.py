"""The one way an API operation answers idempotently (ADR 2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Status
from pydantic import BaseModel

from omniloop.api.auth import actor_of
from omniloop.core.idempotency import run_idempotent


def respond_idempotently(
    request: HttpRequest,
    response: HttpResponse,
    *,
    key: str | None,
    handler: Callable[[], tuple[int, dict[str, Any] | BaseModel]],
) -> Status:
    """Run `handler` once per (token, Idempotency-Key); replays carry `Idempotent-Replayed`.

    A handler may answer with its response schema's instance: it is stored in JSON form and
    handed to ninja as is, which does not validate an instance of the declared schema again
    (the till sale's answer was validated twice). A replay renders the stored JSON through the
    same schema, so both give the same bytes (`tests/api/test_pos_sale_response.py`)."""
    built: list[BaseModel] = []

    def stored() -> tuple[int, dict[str, Any]]:
        status, body = handler()
        if isinstance(body, BaseModel):
            built.append(body)
            return status, body.model_dump(mode="json")
        return status, body

    result = run_idempotent(
        scope=f"token:{actor_of(request).token_id}",
        key=key,
        method=request.method or "POST",
        path=request.path,
        payload=json.loads(request.body),
        handler=stored,
    )
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
        return Status(result.status, result.body)
    return Status(result.status, built[0] if built else result.body)
