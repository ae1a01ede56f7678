"""Social mentions (社媒提及) from outside: a listening tool's webhook, verified before
anything is read (HMAC-SHA256 over `<timestamp>.<raw body>` with a shared secret, the
timestamp within 5 minutes), and CSV files exported from the platforms. Both file one ticket
per (platform, id) through `intake.social_mention_import`, so replays change nothing."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from typing import Any

from django.conf import settings
from django.db import transaction

from omniloop.core import clock
from omniloop.core.errors import PermissionDenied, ValidationFailed
from omniloop.inbox.intake import social_mention_import
from omniloop.inbox.models import Ticket

TOLERANCE_SECONDS = 300
MAX_MENTIONS = 500
CSV_COLUMNS = ("platform", "id", "author", "text")


def mention_signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def mentions_verify(*, timestamp: str, signature: str, body: bytes) -> None:
    """403 for a missing secret, a stale timestamp or a wrong signature; nothing is read."""
    secret = settings.OMNILOOP_INBOX_SOCIAL_SECRET
    if not secret:
        raise PermissionDenied("Mentions are not configured.", code="mentions_not_configured")
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise PermissionDenied("No timestamp.", code="mentions_signature_invalid") from exc
    if abs(clock.now().timestamp() - sent) > TOLERANCE_SECONDS:
        raise PermissionDenied("Stale timestamp.", code="mentions_timestamp_stale")
    if not hmac.compare_digest(mention_signature(secret, timestamp, body), signature):
        raise PermissionDenied("Bad signature.", code="mentions_signature_invalid")


def _rows_check(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    if len(rows) > MAX_MENTIONS:
        raise ValidationFailed(f"At most {MAX_MENTIONS} at a time.", code="mentions_too_many")
    clean = []
    for n, row in enumerate(rows, start=1):
        values = {k: str(row.get(k) or "").strip() for k in (*CSV_COLUMNS, "url")}
        if not (values["platform"] and values["id"] and values["text"]):
            raise ValidationFailed(
                f"Mention {n} needs platform, id and text.",
                code="mention_invalid",
                extra={"row": n},
            )
        clean.append(values)
    return clean


def mentions_file(rows: list[dict[str, Any]]) -> list[Ticket]:
    """All mentions or none (every row is checked first)."""
    clean = _rows_check(rows)
    with transaction.atomic():
        return [
            social_mention_import(
                platform=r["platform"],
                external_id=r["id"],
                author=r["author"],
                text=r["text"],
                url=r["url"],
            )
            for r in clean
        ]


def mentions_from_webhook(*, timestamp: str, signature: str, body: bytes) -> list[Ticket]:
    mentions_verify(timestamp=timestamp, signature=signature, body=body)
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ValidationFailed("The body is not JSON.", code="mentions_json_invalid") from exc
    rows = data.get("mentions") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationFailed('Send {"mentions": [...]}.', code="mentions_json_invalid")
    return mentions_file(rows)


def mentions_from_csv(text: str) -> list[Ticket]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(
            f"Missing columns: {', '.join(missing)}.", code="mentions_csv_columns"
        )
    return mentions_file(list(reader))
