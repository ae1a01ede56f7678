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
