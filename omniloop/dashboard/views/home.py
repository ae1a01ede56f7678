from __future__ import annotations

from datetime import timedelta
from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from omniloop.accounts.access import Actor
from omniloop.accounts.models import User
from omniloop.attribution.selectors import member_list_for_actor
from omniloop.core import clock
from omniloop.dashboard.decorators import staff_view
from omniloop.orders.selectors import till_sales_summary
from omniloop.touchpoints.selectors import scan_count


def _greeting() -> str:
    hour = timezone.localtime(clock.now()).hour
    if hour < 12:
        return _("Good morning")
    if hour < 18:
        return _("Good afternoon")
    return _("Good evening")


@staff_view("dashboard:home")
def home(request: HttpRequest, actor: Actor) -> HttpResponse:
    user = cast(User, request.user)
    since = clock.now() - timedelta(days=7)
    members = member_list_for_actor(actor=actor)
    sales_count, sales_total = till_sales_summary(actor=actor, since=since)
    return render(
        request,
        "dashboard/home.html",
        {
            "greeting": _("%(greeting)s, %(name)s")
            % {"greeting": _greeting(), "name": user.display_name or user.username},
            "member_count": members.count(),
            "new_member_count": members.filter(joined_at__gte=since).count(),
            "scan_count": scan_count(actor=actor, since=since),
            "sales_count": sales_count,
            "sales_total": sales_total,
        },
    )
