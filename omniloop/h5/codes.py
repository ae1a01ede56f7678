"""The member code as a Code128 barcode SVG that can be inlined and scaled with CSS."""

from __future__ import annotations

import html
import io
import re

import barcode
from barcode.writer import SVGWriter

_SIZE_RE = re.compile(r'<svg([^>]*?) width="([\d.]+)mm" height="([\d.]+)mm"')


def barcode_svg(code: str, *, label: str = "") -> str:
    buf = io.BytesIO()
    barcode.get("code128", code, writer=SVGWriter()).write(
        buf,
        options={
            "module_width": 0.3,
            "module_height": 14.0,
            "quiet_zone": 3.0,
            "write_text": False,
        },
    )
    svg = buf.getvalue().decode()
    # Inline SVG must not carry the XML prolog; and the writer sizes everything in mm, which a
    # viewBox in mm units turns into a drawing the page can stretch to its width.
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    svg = _SIZE_RE.sub(
        lambda m: (
            f'<svg{m.group(1)} viewBox="0 0 {m.group(2)} {m.group(3)}" '
            f'preserveAspectRatio="none" role="img" aria-label="{html.escape(label or code)}"'
        ),
        svg,
        count=1,
    )
    # The writer colours with style attributes, which the CSP's style-src refuses (the bars
    # would lose their colour and the console fills with errors): presentation attributes.
    svg = re.sub(r'style="fill:\s*([#\w]+);?"', r'fill="\1"', svg)
    return re.sub(r'="([\d.]+)mm"', r'="\1"', svg)


_PX_SIZE_RE = re.compile(r'<svg([^>]*?) width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"')


def scalable_svg(svg: str) -> str:
    """Give a fixed-size SVG (segno's QR codes have none) a viewBox, so CSS can size it."""
    if "viewBox" in svg[: svg.find(">")]:
        return svg
    return _PX_SIZE_RE.sub(
        lambda m: (
            f'<svg{m.group(1)} viewBox="0 0 {m.group(2)} {m.group(3)}" shape-rendering="crispEdges"'
        ),
        svg,
        count=1,
    )
