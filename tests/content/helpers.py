"""Content items for tests, written through the services as the dashboard writes them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from omniloop.content.models import ContentItem
from omniloop.content.services import ContentDraft, content_item_publish, content_item_save
from omniloop.core import clock


def draft(kind: str = "news", **kw: Any) -> ContentDraft:
    fields: dict[str, Any] = {"title": "秋季上新", "title_en": "Autumn arrivals"}
    if kind == "news":
        fields |= {"body": "第一段\n\n第二段", "body_en": "First.\n\nSecond."}
    fields.update(kw)
    return ContentDraft(kind=kind, **fields)


def item(kind: str = "news", *, publish: bool = False, **kw: Any) -> ContentItem:
    saved = content_item_save(draft=draft(kind, **kw))
    return content_item_publish(item_id=saved.pk) if publish else saved


def window(start_hours: float, end_hours: float | None = None) -> dict[str, Any]:
    now = clock.now()
    return {
        "publish_at": now + timedelta(hours=start_hours),
        "unpublish_at": None if end_hours is None else now + timedelta(hours=end_hours),
    }
