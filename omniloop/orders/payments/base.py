"""What every payment provider offers Omniloop, and the typed values that cross the boundary.

A provider starts a charge (answering a URL to send the shopper to, or a payload for a client
SDK such as WeChat Pay's JSAPI), turns a notification's raw body and headers into a verified
`PaymentEvent` (or raises `PaymentSignatureInvalid` before anything is written), and refunds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from omniloop.core.errors import ApplicationError


class PaymentSignatureInvalid(ApplicationError):
    status = 400
    code = "payment_signature_invalid"


@dataclass(frozen=True)
class ChargeRequest:
    order_number: str
    amount: Decimal  # yuan, two places
    description: str
    return_url: str  # where the shopper comes back to (a path of ours)


@dataclass(frozen=True)
class ChargeStart:
    provider_ref: str  # the provider's transaction id: unique per provider
    redirect_url: str = ""  # send the shopper here, or
    client_payload: dict[str, Any] = field(default_factory=dict)  # hand this to the client SDK


class EventKind(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUND_SUCCEEDED = "refund_succeeded"  # a refund we asked for went through
    REFUND_FAILED = "refund_failed"  # a refund we asked for was refused


REFUND_EVENTS = frozenset({EventKind.REFUND_SUCCEEDED, EventKind.REFUND_FAILED})


@dataclass(frozen=True)
class PaymentEvent:
    """A verified notification: which payment, what happened, for how much."""

    notification_id: str
    provider_ref: str
    kind: EventKind
    amount: Decimal
    payload: dict[str, Any]
    refund_ref: str = ""  # refund events: our refund number (out_refund_no)


@dataclass(frozen=True)
class RefundResult:
    """The provider's answer to a refund request. Providers are idempotent by `refund_ref` (our
    refund number): asking again answers the same refund. `pending`: accepted, the outcome
    comes by notification (WeChat Pay and Alipay refunds usually do)."""

    provider_ref: str
    succeeded: bool
    pending: bool = False


class PaymentProvider(Protocol):
    name: str

    def create_charge(self, charge: ChargeRequest) -> ChargeStart: ...

    def verify_notification(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """The event a notification carries, or `PaymentSignatureInvalid` (nothing read from
        an unverified body is trusted, not even its id)."""
        ...

    def refund(self, *, provider_ref: str, amount: Decimal, refund_ref: str) -> RefundResult: ...
