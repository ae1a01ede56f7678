"""`/wechat/callback`: WeChat's URL verification (GET) and its messages (POST).

Answers within WeChat's 5-second budget: verify, record once, enqueue, reply "success" (which
also stops WeChat's retries). A refused callback answers 403, writes nothing but its audit
event, and is audited as `wechat.denied` with the refusal's code."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from omniloop.audit.models import AuditEvent
from omniloop.audit.services import audit_record
from omniloop.core.errors import ApplicationError
from omniloop.wechat.callback import callback_accept, callback_verify


def _refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    if exc.status == 403:
        with transaction.atomic():
            audit_record(
                action="wechat.denied",
                request=request,
                target_type="endpoint",
                target_id=request.path[:64],
                outcome=AuditEvent.Outcome.DENIED,
                code=exc.code,
            )
    return HttpResponse(exc.code, status=exc.status, content_type="text/plain")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest) -> HttpResponse:
    query = {k: str(v) for k, v in request.GET.items()}
    try:
        if request.method == "GET":
            return HttpResponse(callback_verify(query=query), content_type="text/plain")
        callback_accept(query=query, body=request.body)
    except ApplicationError as exc:
        return _refused(request, exc)
    return HttpResponse("success", content_type="text/plain")
