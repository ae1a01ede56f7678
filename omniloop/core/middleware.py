from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class RequestSizeLimitMiddleware:
    """Refuse oversized API bodies before anything reads them (413, `payload_too_large`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > settings.OMNILOOP_API_MAX_BODY:
                return JsonResponse(
                    {
                        "error": {
                            "code": "payload_too_large",
                            "message": f"Request bodies are limited to "
                            f"{settings.OMNILOOP_API_MAX_BODY} bytes.",
                        }
                    },
                    status=413,
                )
        return self.get_response(request)


_NUL_MARKERS = (b"\x00", b"\\u0000", b"%00")


class NulCharacterMiddleware:
    """Refuse text carrying a NUL character (400, `nul_character`) before any view stores it:
    PostgreSQL text cannot hold one, so it would otherwise surface as a server error deep in a
    query. Checked in the path, the query string and non-multipart bodies (JSON escapes and
    form encoding included); file uploads may hold any byte and are not scanned."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "").encode("latin-1", "replace").lower()
        found = "\x00" in request.path or b"%00" in query
        if not found and not (request.content_type or "").startswith("multipart/"):
            body = request.body.lower()
            found = any(marker in body for marker in _NUL_MARKERS)
        if found:
            return JsonResponse(
                {"error": {"code": "nul_character", "message": "Text may not contain NUL (0x00)."}},
                status=400,
            )
        return self.get_response(request)
