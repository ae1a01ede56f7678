"""One set of member pages, two malls: the same views serve the WeChat mall under `/m/` and the
web mall under `/shop/`. The URL patterns are included twice with the app namespace `h5`
(instance namespaces `h5` and `shop`); the instance a request resolved through says which
mall (and so which sales channel) it is, and `{% url 'h5:...' %}` stays within it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from omniloop.orders.online import mall_channel
from omniloop.orders.online_values import Mall

WEB_NAMESPACE = "shop"


def mall_of(request: HttpRequest) -> Mall:
    match = getattr(request, "resolver_match", None)
    return Mall.WEB if match is not None and match.namespace == WEB_NAMESPACE else Mall.WECHAT


def mall_channel_code(request: HttpRequest) -> str:
    return mall_channel(mall=mall_of(request)).code


def mall_url(request: HttpRequest, name: str, *args: Any) -> str:
    """`reverse("h5:<name>")` in the mall this request is in."""
    match = getattr(request, "resolver_match", None)
    return reverse(f"h5:{name}", args=args, current_app=match.namespace if match else None)


def mall_redirect(request: HttpRequest, name: str, *args: Any) -> HttpResponseRedirect:
    return HttpResponseRedirect(mall_url(request, name, *args))


def mall_path_ok(path: object) -> bool:
    """A path of ours a page may send the shopper back to (never another host)."""
    return isinstance(path, str) and path.startswith(("/m/", "/shop/")) and "//" not in path
