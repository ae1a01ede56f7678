"""Preview links: the dashboard shows a draft exactly as the H5 page will, through the same
view, with a signed token naming the item. The token is short-lived and names one item, so a
shared preview link does not open anything else and stops working within the hour."""

from __future__ import annotations

from django.core import signing

_SALT = "content.preview"
MAX_AGE = 3600


def preview_token(item_id: int) -> str:
    return signing.dumps(int(item_id), salt=_SALT, compress=False)


def preview_item_id(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
