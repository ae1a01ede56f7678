"""Product photos for the demo: a flat garment silhouette per category, in the product's colour, on
a soft studio background. Pure SVG text, so the demo needs no image assets."""

from __future__ import annotations

from html import escape

# 600 x 750 canvas (4:5, the usual e-commerce ratio); each drawing is a body path plus detail lines.
SHAPES: dict[str, tuple[str, str]] = {
    "coat": (
        "M228 118 L300 150 L372 118 L452 156 Q470 164 474 190 L496 430 L452 440 L440 300 L442 648 "
        "L158 648 L160 300 L148 440 L104 430 L126 190 Q130 164 148 156 Z",
        "M228 118 L300 268 L372 118 M300 268 L300 648 M190 470 L250 470 M350 470 L410 470",
    ),
    "shirt": (
        "M236 140 L300 164 L364 140 L446 172 Q462 178 466 200 L492 384 L450 394 L426 268 L426 566 "
        "L174 566 L174 268 L150 394 L108 384 L134 200 Q138 178 154 172 Z",
        "M236 140 L300 204 L364 140 M252 128 L300 164 L348 128 M300 204 L300 566 "
        "M190 240 L250 240 L250 290 L190 290 Z",
    ),
    "knit": (
        "M242 138 Q300 178 358 138 L436 162 Q466 174 474 214 L498 468 L452 478 L426 272 L426 562 "
        "L174 562 L174 272 L148 478 L102 468 L126 214 Q134 174 164 162 Z",
        "M242 138 Q300 206 358 138 M176 532 L424 532 M104 446 L150 456 M450 456 L496 446 "
        "M230 300 L230 520 M270 300 L270 520 M330 300 L330 520 M370 300 L370 520",
    ),
    "trousers": (
        "M196 126 L404 126 L436 644 L318 644 L300 306 L282 644 L164 644 Z",
        "M199 170 L401 170 M300 170 L300 262 M214 176 Q236 230 262 236 M386 176 Q364 230 338 236",
    ),
    "dress": (
        "M246 116 L268 116 Q300 162 332 116 L354 116 L368 250 Q366 296 348 322 L456 646 L144 646 "
        "L252 322 Q234 296 232 250 Z",
        "M252 322 Q300 340 348 322 M300 340 L300 646",
    ),
    "shoe": (
        "M118 476 Q116 398 176 384 L262 372 Q302 318 372 330 L420 340 Q448 400 500 424 "
        "Q540 444 530 500 L124 500 Q114 496 118 476 Z",
        "M122 500 L532 500 L526 528 L128 528 Z M262 372 Q300 420 372 330 M300 392 L318 380",
    ),
    "bag": (
        "M168 312 L432 312 L466 626 L134 626 Z",
        "M226 312 Q226 176 300 176 Q374 176 374 312 M168 360 L432 360 M288 384 L312 384",
    ),
    "scarf": (
        "M168 268 Q300 236 432 222 L452 512 Q320 526 188 560 Z",
        "M176 366 Q310 336 440 320 M182 464 Q314 432 446 418 M196 560 L192 596 M220 555 L216 591 "
        "M244 550 L240 586 M268 545 L264 581 M292 540 L288 576 M316 535 L312 571 M340 530 L336 566 "
        "M364 526 L360 562 M388 522 L384 558 M412 518 L408 554 M436 514 L432 550",
    ),
}

# Drawings that need moving to sit in the middle of the frame.
TRANSFORMS = {"shoe": "translate(-60 -80) scale(1.1)"}

BACKGROUNDS = {
    "coat": ("#f4efe8", "#e6ddd0"),
    "shirt": ("#eef3f6", "#dbe4ea"),
    "knit": ("#f6eeea", "#eadbd4"),
    "trousers": ("#eff1ea", "#dee2d5"),
    "dress": ("#f6eef2", "#e9dae2"),
    "shoe": ("#f0eef5", "#dfdbe9"),
    "bag": ("#f4f1e8", "#e4dfcf"),
    "scarf": ("#f2efe9", "#e2ddd2"),
}


def _shade(hex_colour: str, factor: float) -> str:
    """Darken (factor < 1) or lighten (factor > 1) a #rrggbb colour."""
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    if factor < 1:
        rgb = [round(c * factor) for c in rgb]
    else:
        rgb = [round(c + (255 - c) * (factor - 1)) for c in rgb]
    return "#" + "".join(f"{max(0, min(255, c)):02x}" for c in rgb)


def product_svg(*, shape: str, colour: str, title: str, caption: str, variant: int = 0) -> bytes:
    """An SVG photo: `variant` 1 is a closer crop, for a product's second picture."""
    body, details = SHAPES[shape]
    top, bottom = BACKGROUNDS[shape]
    line = (
        _shade(colour, 0.62)
        if sum(int(colour[i : i + 2], 16) for i in (1, 3, 5)) > 240
        else _shade(colour, 1.35)
    )
    view = "60 75 480 600" if variant else "0 0 600 750"
    svg = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view}" width="600" height="750" \
role="img" aria-label="{escape(title)}">
<title>{escape(title)}</title>
<defs>
<linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">
<stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/></linearGradient>
<linearGradient id="sheen" x1="0" y1="0" x2="1" y2="1">
<stop offset="0" stop-color="#ffffff" stop-opacity="0.28"/>
<stop offset="0.55" stop-color="#ffffff" stop-opacity="0"/>
<stop offset="1" stop-color="#000000" stop-opacity="0.12"/></linearGradient>
<radialGradient id="shadow"><stop offset="0" stop-color="#000000" stop-opacity="0.18"/>
<stop offset="1" stop-color="#000000" stop-opacity="0"/></radialGradient>
<path id="g" d="{body}"/>
</defs>
<rect width="600" height="750" fill="url(#bg)"/>
<circle cx="300" cy="360" r="250" fill="#ffffff" fill-opacity="0.35"/>
<ellipse cx="300" cy="676" rx="220" ry="22" fill="url(#shadow)"/>
<g transform="{TRANSFORMS.get(shape, "")}">
<use href="#g" fill="{colour}" stroke="{line}" stroke-width="3" stroke-linejoin="round"/>
<use href="#g" fill="url(#sheen)"/>
<path d="{details}" fill="none" stroke="{line}" stroke-width="3" stroke-linecap="round" \
stroke-linejoin="round" stroke-opacity="0.85"/>
</g>
<text x="300" y="724" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" \
font-size="18" letter-spacing="8" fill="#000000" fill-opacity="0.38">{escape(caption)}</text>
</svg>
"""
    return svg.encode()
