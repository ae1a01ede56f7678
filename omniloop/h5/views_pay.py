"""Payments' web endpoints: the providers' notification endpoint (server to server, CSRF-exempt:
the provider's signature is the authentication) and the test provider's pay page.

The test provider's Pay / Fail buttons stand in for a real cashier: the page posts to us, we
build the provider's notification, sign it with the test secret and hand the raw body and
headers to the very service `/payments/test/notify` calls, then send the shopper back."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from omniloop.core.errors import ApplicationError
from omniloop.h5.errors import error_page
from omniloop.h5.mall import mall_path_ok
from omniloop.orders.payments import test_provider
from omniloop.orders.payments.registry import provider_get
from omniloop.orders.payments.selectors import payment_for_ref
from omniloop.orders.payments.services import payment_notification_receive


@csrf_exempt
@require_POST
def notify(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        result = payment_notification_receive(
            provider_name=provider, body=request.body, headers=request.headers
        )
    except ApplicationError as exc:
        return JsonResponse({"code": exc.code, "message": exc.message}, status=exc.status)
    return JsonResponse({"outcome": result.outcome.value, "order": result.order_number})


@require_http_methods(["GET", "POST"])
def test_pay(request: HttpRequest, ref: str) -> HttpResponse:
    back = request.GET.get("return", "")
    try:
        provider_get(test_provider.TestProvider.name)
        payment = payment_for_ref(provider=test_provider.TestProvider.name, provider_ref=ref)
    except ApplicationError as exc:
        return error_page(request, exc)
    if request.method == "GET":
        return render(
            request,
            "h5/pay_test.html",
            {"payment": payment, "back": back if mall_path_ok(back) else ""},
        )
    status = "succeeded" if request.POST.get("outcome") == "pay" else "failed"
    body = test_provider.notification_body(provider_ref=ref, status=status, amount=payment.amount)
    headers = {test_provider.SIGNATURE_HEADER: test_provider.sign(body)}
    try:
        payment_notification_receive(provider_name="test", body=body, headers=headers)
    except ApplicationError as exc:
        return error_page(request, exc)
    if mall_path_ok(back):
        return redirect(back)
    return HttpResponse(json.dumps({"status": status}), content_type="application/json")
