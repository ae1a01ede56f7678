"""Signed links in messages: unsubscribe (withdraws e-mail consent), tracked clicks and the
open pixel. The token is the message id signed with the server's key, so a link cannot be
forged for another member and needs no table of its own."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from omniloop.messaging.models import Message

_UNSUBSCRIBE = "messaging.unsubscribe"
_TRACK = "messaging.track"


def unsubscribe_token(message: Message) -> str:
    return signing.dumps(message.uid.hex, salt=_UNSUBSCRIBE, compress=False)


def unsubscribe_uid(token: str) -> str | None:
    try:
        return str(signing.loads(token, salt=_UNSUBSCRIBE))
    except signing.BadSignature:
        return None


def unsubscribe_url(message: Message) -> str:
    path = reverse("messaging:unsubscribe", args=[unsubscribe_token(message)])
    return f"{settings.OMNILOOP_BASE_URL}{path}"


def track_token(message: Message, target: str) -> str:
    return signing.dumps({"m": message.uid.hex, "u": target}, salt=_TRACK, compress=True)


def track_payload(token: str) -> tuple[str, str] | None:
    try:
        data = signing.loads(token, salt=_TRACK)
    except signing.BadSignature:
        return None
    return str(data["m"]), str(data.get("u", ""))


def tracked_url(message: Message, target: str) -> str:
    path = reverse("messaging:click", args=[track_token(message, target)])
    return f"{settings.OMNILOOP_BASE_URL}{path}"


def open_pixel_url(message: Message) -> str:
    path = reverse("messaging:open", args=[track_token(message, "")])
    return f"{settings.OMNILOOP_BASE_URL}{path}"


def tracked_context(message: Message) -> dict[str, str]:
    """The message's variables with every `*_url` one replaced by its tracked redirect, so a
    click is recorded whichever channel carried the link."""
    return {
        k: tracked_url(message, v) if k.endswith("_url") and v.startswith("http") else v
        for k, v in message.context.items()
    }
