"""WeChat parametric QR codes for HQ integrations (/api/v1/wechat/qrcodes): create a permanent
code for a store counter or assistant card, or a temporary one for a campaign, and read a
code's usage. Marketing roles only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool

from omniloop.api.auth import TokenAuth
from omniloop.api.schemas import ErrorOut, Strict, WholeInt
from omniloop.wechat.qrcodes import wechat_qrcode_create, wechat_qrcode_get
from omniloop.wechat.values import QrCodeInfo

router = Router(tags=["wechat"])
ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    502: ErrorOut,
    503: ErrorOut,
}


class QrCodeIn(Strict):
    touchpoint_id: WholeInt
    permanent: StrictBool = Field(
        ..., description="Permanent (store counter, assistant card) or temporary (campaigns)"
    )
    expire_seconds: WholeInt | None = Field(
        None, description="Temporary codes only: 60 to 2,592,000 (30 days, the default)"
    )


class QrCodeOut(Schema):
    id: int
    touchpoint_id: int
    scene: str
    permanent: bool
    ticket: str
    url: str
    image_url: str
    expires_at: datetime | None
    scans: int
    last_scanned_at: datetime | None


def _out(info: QrCodeInfo) -> QrCodeOut:
    fields = vars(info).copy()
    fields.pop("created")
    return QrCodeOut(**fields)


@router.post(
    "/wechat/qrcodes",
    auth=TokenAuth(scope="wechat.qrcodes"),
    response={200: QrCodeOut, 201: QrCodeOut, **ERRORS},
    summary="Create a WeChat parametric QR code for a touchpoint",
)
def create_qrcode(request: HttpRequest, body: QrCodeIn) -> Status:
    info = wechat_qrcode_create(
        touchpoint_id=body.touchpoint_id,
        permanent=body.permanent,
        expire_seconds=body.expire_seconds,
    )
    return Status(201 if info.created else 200, _out(info))


@router.get(
    "/wechat/qrcodes/{qrcode_id}",
    auth=TokenAuth(scope="wechat.qrcodes"),
    response={200: QrCodeOut, **ERRORS},
    summary="A WeChat QR code and its usage (scans through the callback)",
)
def get_qrcode(request: HttpRequest, qrcode_id: int) -> QrCodeOut:
    return _out(wechat_qrcode_get(qrcode_id=qrcode_id))
