"""A member's binding and its history, for their data export (nothing personal to erase)."""

from __future__ import annotations

from typing import Any

from omniloop.attribution.models import BindingChange
from omniloop.members.models import Member


def bindings_export(member: Member) -> list[dict[str, Any]]:
    changes = BindingChange.objects.filter(member=member).select_related("to_store")
    return [
        {
            "at": c.changed_at.isoformat(),
            "kind": c.kind,
            "store": c.to_store.code,
            "source": c.source,
        }
        for c in changes.order_by("changed_at", "pk")
    ]
