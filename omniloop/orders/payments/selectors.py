from __future__ import annotations

from omniloop.core.errors import NotFound
from omniloop.orders.models import Payment


def payment_for_ref(*, provider: str, provider_ref: str) -> Payment:
    payment = (
        Payment.objects.select_related("order")
        .filter(provider=provider, provider_ref=provider_ref, kind=Payment.Kind.CHARGE)
        .first()
    )
    if payment is None:
        raise NotFound("No such payment.", code="payment_unknown")
    return payment
