"""Parametric QR codes (带参数二维码) for our touchpoints, created through WeChat's API.

Permanent codes (WeChat allows 100,000 per account, ever) go to store counters and assistant
cards, one per touchpoint; campaigns get temporary ones (up to 30 days). A permanent code's
slot is taken by a conditional UPDATE before WeChat is called and given back if the call fails,
so the cap holds under parallel requests and no database lock is held across the network."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.touchpoints.models import Touchpoint
from omniloop.wechat.adapter import MAX_TEMPORARY_SECONDS, WechatApi, wechat_config
from omniloop.wechat.models import WechatQrCode, WechatQrQuota
from omniloop.wechat.values import QrCodeInfo

PERMANENT_KINDS = frozenset({Touchpoint.Kind.STORE_COUNTER, Touchpoint.Kind.ASSISTANT_CARD})
MIN_TEMPORARY_SECONDS = 60


def _info(code: WechatQrCode, *, created: bool) -> QrCodeInfo:
    return QrCodeInfo(
        id=code.pk,
        touchpoint_id=code.touchpoint_id,
        scene=code.scene,
        permanent=code.permanent,
        ticket=code.ticket,
        url=code.url,
        image_url=WechatApi.qrcode_image_url(code.ticket),
        expires_at=code.expires_at,
        scans=code.scans,
        last_scanned_at=code.last_scanned_at,
        created=created,
    )


def _quota_row(app_id: str) -> None:
    if not WechatQrQuota.objects.filter(app_id=app_id).exists():
        try:
            with transaction.atomic():
                WechatQrQuota.objects.create(app_id=app_id)
        except IntegrityError:
            pass  # a parallel request created it


def permanent_slot_take(*, app_id: str) -> None:
    """Take one permanent-code slot, or `wechat_qr_cap_reached` (409) at the cap."""
    _quota_row(app_id)
    cap = settings.OMNILOOP_WECHAT_PERMANENT_QR_CAP
    with transaction.atomic():
        taken = WechatQrQuota.objects.filter(app_id=app_id, permanent_used__lt=cap).update(
            permanent_used=F("permanent_used") + 1
        )
    if not taken:
        raise Conflict(
            f"All {cap} permanent WeChat QR codes are allocated; use a temporary code.",
            code="wechat_qr_cap_reached",
        )


def permanent_slot_release(*, app_id: str) -> None:
    WechatQrQuota.objects.filter(app_id=app_id, permanent_used__gt=0).update(
        permanent_used=F("permanent_used") - 1
    )


def permanent_codes_used(*, app_id: str | None = None) -> int:
    row = WechatQrQuota.objects.filter(app_id=app_id or wechat_config().app_id).first()
    return row.permanent_used if row else 0


def _touchpoint(touchpoint_id: int) -> Touchpoint:
    tp = Touchpoint.objects.filter(pk=touchpoint_id).first()
    if tp is None:
        raise NotFound("Touchpoint not found.", code="touchpoint_not_found")
    if not tp.active or (tp.expires_at and tp.expires_at <= clock.now()):
        raise Conflict("This touchpoint is no longer in use.", code="touchpoint_inactive")
    return tp


def wechat_qrcode_create(
    *, touchpoint_id: int, permanent: bool, expire_seconds: int | None = None
) -> QrCodeInfo:
    """A WeChat parametric code for a touchpoint, its scene the touchpoint's. A permanent code
    is created once per touchpoint (asking again returns it); temporary ones expire."""
    tp = _touchpoint(touchpoint_id)
    if permanent:
        if tp.kind not in PERMANENT_KINDS:
            raise ValidationFailed(
                "Permanent codes are for store counters and assistant cards; campaigns and "
                "tags get temporary ones.",
                code="wechat_qr_permanent_not_allowed",
            )
        existing = WechatQrCode.objects.filter(touchpoint=tp, permanent=True).first()
        if existing is not None:
            return _info(existing, created=False)
        return _create_permanent(tp)
    seconds = MAX_TEMPORARY_SECONDS if expire_seconds is None else expire_seconds
    if not MIN_TEMPORARY_SECONDS <= seconds <= MAX_TEMPORARY_SECONDS:
        raise ValidationFailed(
            f"A temporary code lasts {MIN_TEMPORARY_SECONDS} s to 30 days.",
            code="wechat_qr_expiry_invalid",
        )
    api = WechatApi()
    now = clock.now()
    ticket = api.qrcode_create(scene=tp.scene, permanent=False, expire_seconds=seconds)
    code = WechatQrCode.objects.create(
        touchpoint=tp,
        permanent=False,
        scene=tp.scene,
        ticket=ticket.ticket,
        url=ticket.url,
        expires_at=now + timedelta(seconds=ticket.expire_seconds or seconds),
        created_at=now,
    )
    return _info(code, created=True)


def _create_permanent(tp: Touchpoint) -> QrCodeInfo:
    api = WechatApi()
    app_id = api.cfg.app_id
    permanent_slot_take(app_id=app_id)
    try:
        ticket = api.qrcode_create(scene=tp.scene, permanent=True)
        with transaction.atomic():
            code = WechatQrCode.objects.create(
                touchpoint=tp,
                permanent=True,
                scene=tp.scene,
                ticket=ticket.ticket,
                url=ticket.url,
                created_at=clock.now(),
            )
    except IntegrityError:
        # A parallel request recorded this touchpoint's code first: one slot is enough.
        permanent_slot_release(app_id=app_id)
        return _info(WechatQrCode.objects.get(touchpoint=tp, permanent=True), created=False)
    except BaseException:
        permanent_slot_release(app_id=app_id)
        raise
    return _info(code, created=True)


def wechat_qrcode_get(*, qrcode_id: int) -> QrCodeInfo:
    code = WechatQrCode.objects.filter(pk=qrcode_id).first()
    if code is None:
        raise NotFound("WeChat QR code not found.", code="wechat_qrcode_not_found")
    return _info(code, created=False)
