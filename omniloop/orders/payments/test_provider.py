"""The built-in test provider: a pay page served by us (Pay / Fail buttons) standing in for a
real provider's cashier, and notifications signed with HMAC-SHA256 over the raw body with
`OMNILOOP_PAYMENT_TEST_SECRET`, verified exactly as a real provider's would be.

A notification body is JSON: {"id": notification id, "payment": provider ref, "status":
"succeeded"|"failed", "amount": "123.45"}; the signature is the hex digest in the
`X-Test-Signature` header. A refund notification has "refund" (our refund number) instead of
"payment" and status "refund_succeeded"|"refund_failed".

Refunds succeed at once, unless `OMNILOOP_PAYMENT_TEST_REFUNDS_ASYNC` is set: then they are
accepted as pending and settle by a refund notification, as WeChat Pay's do."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from omniloop.orders.payments.base import (
    ChargeRequest,
    ChargeStart,
    EventKind,
    PaymentEvent,
    PaymentSignatureInvalid,
    RefundResult,
)

SIGNATURE_HEADER = "X-Test-Signature"


def sign(body: bytes) -> str:
    secret = settings.OMNILOOP_PAYMENT_TEST_SECRET.encode()
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def notification_body(
    *, provider_ref: str, status: str, amount: Decimal, notification_id: str | None = None
) -> bytes:
    """What the test provider posts to `/payments/test/notify` (signed with `sign`)."""
    return json.dumps(
        {
            "id": notification_id or "N" + secrets.token_hex(8),
            "payment": provider_ref,
            "status": status,
            "amount": str(amount),
        },
        separators=(",", ":"),
    ).encode()


def refund_notification_body(
    *, refund_ref: str, status: str, amount: Decimal, notification_id: str | None = None
) -> bytes:
    """A refund's outcome as the test provider posts it (signed with `sign`)."""
    return json.dumps(
        {
            "id": notification_id or "N" + secrets.token_hex(8),
            "refund": refund_ref,
            "status": status,
            "amount": str(amount),
        },
        separators=(",", ":"),
    ).encode()


def _refund_provider_ref(refund_ref: str) -> str:
    # Idempotent by our refund number, as real providers are: the same request, the same refund.
    return "TR" + hmac.new(b"test-refund", refund_ref.encode(), hashlib.sha256).hexdigest()[:20]


class TestProvider:
    name = "test"

    def create_charge(self, charge: ChargeRequest) -> ChargeStart:
        ref = "TP" + secrets.token_hex(10).upper()
        query = urlencode({"return": charge.return_url})
        url = reverse("payments:test_pay", args=[ref]) + "?" + query
        return ChargeStart(provider_ref=ref, redirect_url=url)

    def verify_notification(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        sent = headers.get(SIGNATURE_HEADER, "")
        if not sent or not hmac.compare_digest(sent, sign(body)):
            raise PaymentSignatureInvalid("The notification's signature does not verify.")
        try:
            data = json.loads(body)
            refund = "refund" in data
            event = PaymentEvent(
                notification_id=str(data["id"])[:64],
                provider_ref="" if refund else str(data["payment"])[:64],
                kind=EventKind(data["status"]),
                amount=Decimal(str(data["amount"])),
                payload=data,
                refund_ref=str(data["refund"])[:32] if refund else "",
            )
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            # Signed by us but malformed: still refused, still nothing written.
            raise PaymentSignatureInvalid("The notification is malformed.") from exc
        return event

    def refund(self, *, provider_ref: str, amount: Decimal, refund_ref: str) -> RefundResult:
        pending = bool(getattr(settings, "OMNILOOP_PAYMENT_TEST_REFUNDS_ASYNC", False))
        return RefundResult(
            provider_ref=_refund_provider_ref(refund_ref), succeeded=not pending, pending=pending
        )
