from __future__ import annotations

import re
import secrets
import uuid
from datetime import datetime

from django.db import transaction

from omniloop.core import clock
from omniloop.core.errors import ApplicationError, NotFound, ValidationFailed
from omniloop.members.models import Member
from omniloop.touchpoints.events import scan_recorded
from omniloop.touchpoints.links import visitor_link_handlers
from omniloop.touchpoints.models import ScanEvent, Touchpoint, Visitor
from omniloop.touchpoints.values import SceneContext

SCENE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o/1/l: printable and readable
SCENE_RE = re.compile(r"^[a-z0-9]{6,32}$")


def new_scene() -> str:
    return "".join(secrets.choice(SCENE_ALPHABET) for _ in range(12))


def touchpoint_create(
    *,
    kind: str,
    store_id: int | None = None,
    assistant_id: int | None = None,
    product_id: int | None = None,
    label: str = "",
) -> Touchpoint:
    if kind not in Touchpoint.Kind.values:
        raise ValidationFailed(f"Unknown touchpoint kind {kind!r}.", code="touchpoint_kind")
    if kind in (Touchpoint.Kind.STORE_COUNTER, Touchpoint.Kind.ASSISTANT_CARD) and not store_id:
        raise ValidationFailed("This touchpoint needs a store.", code="store_required")
    if kind == Touchpoint.Kind.ASSISTANT_CARD and not assistant_id:
        raise ValidationFailed("An assistant card needs an assistant.", code="assistant_required")
    if kind == Touchpoint.Kind.PRODUCT_TAG and not product_id:
        raise ValidationFailed("A product tag needs a product.", code="product_required")
    return Touchpoint.objects.create(
        scene=new_scene(),
        kind=kind,
        store_id=store_id,
        assistant_id=assistant_id,
        product_id=product_id,
        label=label[:100],
    )


def scene_resolve(*, scene: str) -> SceneContext:
    """The context of a scene, or `scene_unknown` (404) for anything not issued by us and
    `scene_expired` (410) for a retired code."""
    if not SCENE_RE.match(scene or ""):
        raise NotFound("This QR code is not one of ours.", code="scene_unknown")
    tp = Touchpoint.objects.filter(scene=scene).first()
    if tp is None:
        raise NotFound("This QR code is not one of ours.", code="scene_unknown")
    if not tp.active or (tp.expires_at and tp.expires_at <= clock.now()):
        raise ApplicationError(
            "This QR code is no longer in use.", code="scene_expired", status=410
        )
    return SceneContext(
        touchpoint_id=tp.pk,
        scene=tp.scene,
        kind=tp.kind,
        store_id=tp.store_id,
        assistant_id=tp.assistant_id,
        product_id=tp.product_id,
    )


def visitor_get_or_create(*, key: str | None) -> Visitor:
    if key:
        try:
            uuid.UUID(key)
        except ValueError:
            key = None
    if key:
        visitor = Visitor.objects.filter(key=key).first()
        if visitor:
            return visitor
    return Visitor.objects.create(key=key or str(uuid.uuid4()), created_at=clock.now())


def scan_record(
    *, ctx: SceneContext, visitor: Visitor, user_agent: str = "", at: datetime | None = None
) -> ScanEvent:
    with transaction.atomic():
        scan = ScanEvent.objects.create(
            touchpoint_id=ctx.touchpoint_id,
            visitor=visitor,
            member_id=visitor.member_id,
            store_id=ctx.store_id,
            assistant_id=ctx.assistant_id,
            product_id=ctx.product_id,
            scanned_at=at or clock.now(),
            user_agent=user_agent[:200],
        )
        scan_recorded(scan)  # the wall's scan counts (touchpoints.events)
    return scan


@transaction.atomic
def visitor_link(*, visitor: Visitor, member: Member) -> int:
    """Identify a visitor: it and its anonymous scans now belong to `member`. The first link
    runs the registered link handlers (`touchpoints.links`) in the same transaction."""
    now = clock.now()
    if visitor.member_id is None:
        Visitor.objects.filter(pk=visitor.pk).update(member=member, linked_at=now)
        visitor.member = member
        for handler in visitor_link_handlers():
            handler(visitor, member)
    return ScanEvent.objects.filter(visitor=visitor, member__isnull=True).update(member=member)


def merge_move_scans(survivor: Member, merged: Member) -> int:
    Visitor.objects.filter(member=merged).update(member=survivor)
    return ScanEvent.objects.filter(member=merged).update(member=survivor)
