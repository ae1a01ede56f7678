"""Public endpoints of messaging: the e-mail unsubscribe page, tracked links, the open pixel
and the SMS provider's webhooks (delivery receipts and replies). Thin: each checks what it
is given and calls one service."""

from __future__ import annotations

import base64
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from omniloop.core.errors import ValidationFailed
from omniloop.messaging import services
from omniloop.messaging.links import track_payload, unsubscribe_uid
from omniloop.messaging.sms_http import webhook_signature
from omniloop.messaging.values import EventKind

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@csrf_exempt  # the token in the URL is the proof; mail clients' one-click POST has no cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    uid = unsubscribe_uid(token)
    if uid is None:
        return render(request, "messaging/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":  # the button, or RFC 8058 List-Unsubscribe-Post
        services.email_unsubscribe(message_uid=uid)
        return render(request, "messaging/unsubscribe.html", {"done": True})
    # GET only asks: link scanners in mail gateways follow links and must not unsubscribe.
    return render(request, "messaging/unsubscribe.html", {"token": token})


def click(request: HttpRequest, token: str) -> HttpResponse:
    # Only links we signed when sending redirect, so this is no open redirect.
    payload = track_payload(token)
    if payload is None or not payload[1].startswith(("https://", "http://")):
        return HttpResponse(status=404)
    uid, target = payload
    services.message_tracked(message_uid=uid, kind=EventKind.CLICKED, detail=target)
    return HttpResponseRedirect(target)


def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    payload = track_payload(token)
    if payload is not None:
        services.message_tracked(message_uid=payload[0], kind=EventKind.OPENED)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


def _verified_json(request: HttpRequest, secret: str | None = None) -> Any | None:
    """The webhook body if it is signed with our secret and fresh, else None."""
    secret = settings.OMNILOOP_SMS_WEBHOOK_SECRET if secret is None else secret
    stamp = request.headers.get("X-Omniloop-Timestamp", "")
    given = request.headers.get("X-Omniloop-Signature", "")
    if not secret or not stamp.isdigit():
        return None
    if abs(time.time() - int(stamp)) > settings.OMNILOOP_SMS_WEBHOOK_TOLERANCE:
        return None
    expected = webhook_signature(timestamp=stamp, body=request.body, secret=secret)
    if not hmac.compare_digest(expected, given):
        return None
    try:
        return json.loads(request.body)
    except ValueError:
        return None


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else datetime.now(UTC)
    except ValueError:
        return datetime.now(UTC)


@csrf_exempt
@require_POST
def sms_receipts(request: HttpRequest) -> HttpResponse:
    """Delivery receipts (SmsReport): a JSON list of {biz_id, out_id, success, err_code...}."""
    body = _verified_json(request)
    if not isinstance(body, list):
        return JsonResponse({"code": 403, "msg": "signature"}, status=403)
    for r in body:
        if not isinstance(r, dict):
            continue
        services.delivery_receipt_record(
            provider_id=str(r.get("biz_id", "")),
            reference=str(r.get("out_id", "")),
            delivered=bool(r.get("success")),
            at=_when(str(r.get("report_time", ""))),
            detail=f"{r.get('err_code', '')} {r.get('err_msg', '')}".strip(),
        )
    return JsonResponse({"code": 0, "msg": "ok"})


@csrf_exempt
@require_POST
def sms_replies(request: HttpRequest) -> HttpResponse:
    """Replies (SmsUp): a JSON list of {phone_number, content...}; 'T'/'TD'/'退订' opt out."""
    body = _verified_json(request)
    if not isinstance(body, list):
        return JsonResponse({"code": 403, "msg": "signature"}, status=403)
    for r in body:
        if isinstance(r, dict):
            services.sms_reply_received(
                phone=str(r.get("phone_number", "")), text=str(r.get("content", ""))
            )
    return JsonResponse({"code": 0, "msg": "ok"})


def _when_aware(text: str) -> datetime:
    """An ISO time; one without an offset is UTC (an offset given is kept)."""
    try:
        at = datetime.fromisoformat(text) if text else datetime.now(UTC)
    except ValueError:
        return datetime.now(UTC)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _feedback_item(r: object) -> dict[str, str] | None:
    if not isinstance(r, dict):
        return None
    event_id, kind = str(r.get("event_id") or "").strip(), str(r.get("type") or "")
    if not event_id or len(event_id) > 128 or kind not in services.FEEDBACK_KINDS:
        return None
    ref = str(r.get("message_id") or "").strip().strip("<>").split("@", 1)[0]
    return {
        "event_id": event_id,
        "kind": kind,
        "message_uid": ref[:64],
        "address": str(r.get("email") or "")[:254],
        "at": str(r.get("timestamp") or ""),
        "detail": str(r.get("detail") or "")[:200],
    }


@csrf_exempt
@require_POST
def email_feedback(request: HttpRequest) -> HttpResponse:
    """Bounces and complaints (ADR 39): a signed JSON list of {event_id, type (hard_bounce,
    soft_bounce, complaint), message_id (our Message-ID) and/or email, timestamp, detail}.
    A bad signature is 403 and a bad item 400, with nothing written; a replayed event id is
    answered ok and changes nothing."""
    body = _verified_json(request, settings.OMNILOOP_EMAIL_WEBHOOK_SECRET)
    if not isinstance(body, list):
        return JsonResponse({"code": "webhook_signature_invalid"}, status=403)
    items = [_feedback_item(r) for r in body]
    if any(i is None or not (i["message_uid"] or i["address"]) for i in items):
        return JsonResponse({"code": "email_feedback_invalid"}, status=400)
    outcomes = []
    try:
        with transaction.atomic():
            for i in items:
                assert i is not None
                outcomes.append(
                    services.email_feedback_record(
                        event_id=i["event_id"],
                        kind=i["kind"],
                        message_uid=i["message_uid"],
                        address=i["address"],
                        at=_when_aware(i["at"]),
                        detail=i["detail"],
                    )
                )
    except ValidationFailed as exc:
        return JsonResponse({"code": exc.code}, status=400)
    return JsonResponse({"code": 0, "outcomes": outcomes})
