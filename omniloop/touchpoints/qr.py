"""Printable QR codes (segno). Every code encodes the scan URL of its touchpoint."""

from __future__ import annotations

import io

import segno
from django.conf import settings


def scan_url(scene: str) -> str:
    return f"{settings.OMNILOOP_BASE_URL}/s/{scene}"


def qr_png(data: str, *, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def qr_svg(data: str, *, scale: int = 4, title: str | None = None) -> str:
    buf = io.BytesIO()
    segno.make(data, error="m", micro=False).save(
        buf,
        kind="svg",
        scale=scale,
        border=2,
        xmldecl=False,
        svgns=True,
        title=title,
        unit=None,
    )
    return buf.getvalue().decode()
