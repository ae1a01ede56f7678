"""Visitor linking reaching higher apps without upward imports (the pattern of `members.merge`).

A visitor is sometimes more than a browser: a WeChat follower's scans are recorded against a
visitor of its own. Apps that keep such visitors register `handler(visitor, member)` in their
AppConfig.ready(); `visitor_link` calls every handler in its transaction when a visitor is first
linked to a member, so the app can attach what it knows (an openid) to that member."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from omniloop.members.models import Member
    from omniloop.touchpoints.models import Visitor

VisitorLinkHandler = Callable[["Visitor", "Member"], None]
_handlers: dict[str, VisitorLinkHandler] = {}


def register_visitor_link_handler(name: str, handler: VisitorLinkHandler) -> None:
    _handlers[name] = handler


def visitor_link_handlers() -> list[VisitorLinkHandler]:
    return list(_handlers.values())
