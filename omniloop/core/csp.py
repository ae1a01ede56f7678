"""Security headers the framework does not set: a Content-Security-Policy with a per-request
nonce, and a Permissions-Policy.

Every page loads scripts and styles from our own static files only (htmx is vendored, no CDN);
the one inline script (the `js` class on <html>) carries `request.csp_nonce`. Inline `style`
attributes are not allowed, so templates draw widths with SVG attributes or CSS classes."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            # QR codes and favicons are data: URIs; photos are served from our own media.
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", policy(nonce))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
