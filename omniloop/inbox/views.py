"""`POST /inbox/hooks/mentions`: the social-listening webhook (signed, see `mentions.py`)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from omniloop.audit.services import audit_record
from omniloop.core.errors import ApplicationError
from omniloop.inbox.mentions import mentions_from_webhook


@csrf_exempt  # a server-to-server call, verified by its HMAC signature instead
@require_POST
def mentions_hook(request: HttpRequest) -> JsonResponse:
    try:
        tickets = mentions_from_webhook(
            timestamp=request.headers.get("X-Omniloop-Timestamp", ""),
            signature=request.headers.get("X-Omniloop-Signature", ""),
            body=request.body,
        )
    except ApplicationError as exc:
        if exc.status == 403:
            audit_record(
                action="inbox.mentions_denied",
                actor=None,
                request=request,
                target_type="webhook",
                target_id="mentions",
                outcome="denied",
                code=exc.code,
            )
        return JsonResponse(
            {"error": {"code": exc.code, "message": exc.message}}, status=exc.status
        )
    return JsonResponse({"tickets": [t.number for t in tickets]})
