"""The domain error hierarchy. Every failure a caller can act on has a stable code.

Interfaces translate these to HTTP in one place (`omniloop.api.errors`, `omniloop.h5`), so the
same `phone_invalid` reaches a till, the H5 page and a test alike.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_error"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class PermissionDenied(ApplicationError):
    status = 403
    code = "forbidden"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


class RateLimited(ApplicationError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code, extra={"retry_after": retry_after})
        self.retry_after = retry_after
