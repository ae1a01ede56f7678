"""One place where domain errors become HTTP: {"error": {"code", "message", ...}}. Every 401
and 403 is written to the audit trail here."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from omniloop.audit.models import AuditEvent
from omniloop.audit.services import audit_record
from omniloop.core.errors import ApplicationError, RateLimited


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _audit_denied(request: HttpRequest, code: str) -> None:
    audit_record(
        action="api.denied",
        actor=getattr(request, "actor", None),
        request=request,
        target_type="api_operation",
        target_id=request.path[:64],
        summary=request.method or "",
        outcome=AuditEvent.Outcome.DENIED,
        code=code,
    )


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApplicationError)
    def _app_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        if exc.status in (401, 403):
            _audit_denied(request, exc.code)
        response = api.create_response(
            request, error_body(exc.code, exc.message, **exc.extra), status=exc.status
        )
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = [
            {"loc": [str(p) for p in e.get("loc", ())], "message": str(e.get("msg", ""))}
            for e in exc.errors
        ]
        return api.create_response(
            request,
            error_body("validation_error", "The request is not valid.", fields=fields),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        _audit_denied(request, "token_invalid")
        return api.create_response(
            request, error_body("token_invalid", "A valid API token is required."), status=401
        )

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and str(exc).startswith("Cannot parse"):
            return api.create_response(
                request,
                error_body("json_malformed", "The request body is not valid JSON."),
                status=400,
            )
        return api.create_response(
            request, error_body(f"http_{exc.status_code}", str(exc)), status=exc.status_code
        )

    @api.exception_handler(Http404)
    def _404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", "Not found."), status=404)
