"""The membership card's activation URL (开卡): WeChat sends the user here with `card_id`,
`encrypt_code` and our `outer_str`; the wechat app does the rest (`wechat.cards`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from omniloop.core.errors import ApplicationError
from omniloop.h5.errors import error_page
from omniloop.h5.session import session_member
from omniloop.wechat.cards import card_activate


@require_GET
def card_activate_view(request: HttpRequest) -> HttpResponse:
    try:
        done = card_activate(
            card_id=request.GET.get("card_id", ""),
            encrypt_code=request.GET.get("encrypt_code", ""),
            outer_str=request.GET.get("outer_str", ""),
            signed_in=session_member(request),
        )
    except ApplicationError as exc:
        return error_page(request, exc)
    return render(request, "h5/card_activated.html", {"activation": done})
