from __future__ import annotations

import json
from typing import Any

from django.test import Client


def post_json(client: Client, path: str, body: Any, **headers: str):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def sale_body(
    receipt: str = "R-0001",
    *,
    sku: str = "JK100-M",
    qty: int = 1,
    price: str = "399.00",
    discount: str = "0.00",
    **extra: Any,
) -> dict[str, Any]:
    from decimal import Decimal

    amount = Decimal(price) * qty - Decimal(discount)
    body = {
        "receipt_no": receipt,
        "lines": [
            {
                "sku": sku,
                "quantity": qty,
                "unit_price": price,
                "discount": discount,
                "amount": str(amount),
            }
        ],
        "total": str(amount),
    }
    body.update(extra)
    return body
