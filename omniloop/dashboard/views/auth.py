from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse_lazy

from omniloop.accounts.access import Actor
from omniloop.dashboard.decorators import staff_view

_login = auth_views.LoginView.as_view(
    template_name="dashboard/login.html", redirect_authenticated_user=True
)
_logout = auth_views.LogoutView.as_view(next_page=reverse_lazy("dashboard:login"))


@staff_view("dashboard:login")
def login(request: HttpRequest) -> HttpResponseBase:
    return _login(request)


@staff_view("dashboard:logout")
def logout(request: HttpRequest, actor: Actor) -> HttpResponseBase:
    return _logout(request)
