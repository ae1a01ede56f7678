"""The assistant's own QR card (导购码) and poster. The card is the assistant's touchpoint
(`touchpoints`, kind assistant_card, one per assistant), created on first use; its code
encodes the touchpoint's scan URL, so a scan binds the shopper to the store and the assistant
(R4). The poster is one SVG: store name, the assistant's name and the code, drawn from
segno's module matrix (no raster library, crisp at any print size)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

import segno
from django.db import IntegrityError, transaction

from omniloop.accounts.access import Actor
from omniloop.accounts.models import User
from omniloop.core.brand import brand_settings
from omniloop.stores.models import Store
from omniloop.touchpoints.models import Touchpoint
from omniloop.touchpoints.qr import scan_url
from omniloop.touchpoints.selectors import assistant_card
from omniloop.touchpoints.services import touchpoint_create
from omniloop.workbench.scope import workbench_user_id


@dataclass(frozen=True)
class QrCard:
    scene: str
    url: str
    svg: str  # the code alone, for the page
    store_name: str
    store_name_en: str
    assistant_name: str
    staff_code: str


def card_touchpoint(*, actor: Actor) -> Touchpoint:
    """The actor's card touchpoint, created once (a unique index keeps it one per assistant)."""
    user_id = workbench_user_id(actor)
    found = assistant_card(assistant_id=user_id)
    if found is not None:
        return found
    user = User.objects.get(pk=user_id)
    try:
        with transaction.atomic():
            return touchpoint_create(
                kind=Touchpoint.Kind.ASSISTANT_CARD,
                store_id=actor.own_store_id,
                assistant_id=user_id,
                label=str(user)[:100],
            )
    except IntegrityError:  # created by a parallel request
        card = assistant_card(assistant_id=user_id)
        assert card is not None
        return card


def qr_card(*, actor: Actor) -> QrCard:
    tp = card_touchpoint(actor=actor)
    user = User.objects.get(pk=tp.assistant_id or 0)
    store = Store.objects.get(pk=tp.store_id or 0)
    url = scan_url(tp.scene)
    return QrCard(
        scene=tp.scene,
        url=url,
        svg=_scalable_qr(url, title=str(user)),
        store_name=store.name,
        store_name_en=store.name_en or store.name,
        assistant_name=str(user),
        staff_code=user.staff_code or "",
    )


def _scalable_qr(data: str, *, title: str) -> str:
    """The code as an inline SVG with a viewBox and no fixed size, so the page's CSS sizes it
    (`touchpoints.qr.qr_svg` is the fixed-size one the downloads use)."""
    buf = io.BytesIO()
    segno.make(data, error="m", micro=False).save(
        buf, kind="svg", scale=6, border=2, xmldecl=False, svgns=True, title=title, omitsize=True
    )
    return buf.getvalue().decode()


def _qr_path(data: str, *, x: int, y: int, size: int) -> str:
    """The code's dark modules as one SVG path, `size` units wide, placed at (x, y)."""
    code = segno.make(data, error="m", micro=False)
    matrix = list(code.matrix)
    border = 2
    n = len(matrix) + 2 * border
    unit = size / n
    parts = []
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:
                px = x + (col + border) * unit
                py = y + (row + border) * unit
                parts.append(f"M{px:.2f} {py:.2f}h{unit:.2f}v{unit:.2f}h-{unit:.2f}z")
    return "".join(parts)


def poster_svg(*, card: QrCard, language: str) -> str:
    """A 600 x 900 poster: brand, store, the assistant's name and code, a call to scan."""
    brand = brand_settings()
    english = language == "en"
    brand_name = (brand.name_en or brand.name) if english else brand.name
    store_name = card.store_name_en if english else card.store_name
    call = "Scan to join and get member offers" if english else "扫码入会 享会员专属礼遇"
    role = "Your shop assistant" if english else "您的专属导购"
    code = f"No. {card.staff_code}" if english else f"工号 {card.staff_code}"

    def lines(rows: list[tuple[int, int, str, str]]) -> str:
        return "".join(
            f'<text x="300" y="{y}" font-size="{size}" font-weight="{weight}" '
            f'text-anchor="middle">{escape(text)}</text>'
            for y, size, weight, text in rows
            if text
        )

    header = lines([(70, 34, "700", brand_name), (120, 26, "400", store_name)])
    footer = lines(
        [
            (680, 22, "400", role),
            (725, 36, "700", card.assistant_name),
            (765, 18, "400", code if card.staff_code else ""),
            (830, 20, "400", call),
        ]
    )
    path = _qr_path(card.url, x=90, y=160, size=420)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="900" '
        'viewBox="0 0 600 900" font-family="PingFang SC, Noto Sans CJK SC, sans-serif">'
        f"<title>{escape(card.assistant_name)}</title>"
        '<rect width="600" height="900" fill="#fff"/>'
        '<rect x="0" y="0" width="600" height="150" fill="#1f3a5f"/>'
        f'<g fill="#fff">{header}</g>'
        f'<path d="{path}" fill="#000" shape-rendering="crispEdges"/>'
        f'<g fill="#1f2937">{footer}</g>'
        "</svg>"
    )
