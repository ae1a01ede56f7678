"""The member cancels their own order before it is fulfilled (取消订单): everything comes back
(`orders.cancel`: the money through the provider, coupons, points, the held stock)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from omniloop.core.errors import ApplicationError
from omniloop.h5.errors import error_page
from omniloop.h5.mall import mall_redirect
from omniloop.h5.session import session_member
from omniloop.orders.cancel import order_cancel
from omniloop.orders.online_selectors import member_order_get

MEMBER_CANCELLABLE = ("pending", "paid", "ready")


@require_POST
def cancel(request: HttpRequest, number: str) -> HttpResponse:
    member = session_member(request)
    if member is None:
        return mall_redirect(request, "join")
    try:
        found = member_order_get(member_id=member.pk, number=number[:32])  # theirs, or 404
        order_cancel(order_number=found.number, reason="cancelled by the member")
    except ApplicationError as exc:
        return error_page(request, exc)
    return mall_redirect(request, "order", found.number)
