"""The assistant's QR card: their touchpoint, made once; the poster carries the store, the
assistant and exactly the code of the card's scan URL."""

from __future__ import annotations

import re

import pytest
import segno

from omniloop.touchpoints.models import Touchpoint
from omniloop.touchpoints.services import scene_resolve
from omniloop.workbench.cards import poster_svg, qr_card
from tests.workbench.world import make_world

pytestmark = pytest.mark.django_db


def test_the_card_is_the_assistants_touchpoint_made_once():
    w = make_world()
    first = qr_card(actor=w.actor(w.a1))
    again = qr_card(actor=w.actor(w.a1))
    assert first.scene == again.scene
    [tp] = Touchpoint.objects.filter(kind=Touchpoint.Kind.ASSISTANT_CARD)
    assert (tp.assistant_id, tp.store_id) == (w.a1.pk, w.a.pk)
    ctx = scene_resolve(scene=first.scene)  # a scan binds to this store and assistant
    assert (ctx.store_id, ctx.assistant_id) == (w.a.pk, w.a1.pk)
    assert first.url.endswith(f"/s/{first.scene}")
    assert first.svg.lstrip().startswith("<svg")


def test_the_poster_names_store_and_assistant_and_draws_the_cards_code():
    w = make_world()
    card = qr_card(actor=w.actor(w.a1))
    zh = poster_svg(card=card, language="zh-hans")
    en = poster_svg(card=card, language="en")
    assert w.a.name in zh and str(w.a1) in zh and "扫码入会" in zh
    assert w.a.name_en in en and "Scan to join" in en
    assert w.a1.staff_code in zh
    # Rebuild the module grid from the path and compare with segno's own matrix for the URL.
    matrix = [list(row) for row in segno.make(card.url, error="m", micro=False).matrix]
    n = len(matrix) + 4
    unit = 420 / n
    path = re.search(r'<path d="([^"]+)"', zh).group(1)
    dark = set()
    for x, y in re.findall(r"M([\d.]+) ([\d.]+)h", path):
        col = round((float(x) - 90) / unit) - 2
        row = round((float(y) - 160) / unit) - 2
        dark.add((row, col))
    expected = {(r, c) for r, line in enumerate(matrix) for c, v in enumerate(line) if v}
    assert dark == expected


def test_names_are_escaped_in_the_poster():
    w = make_world()
    w.a1.display_name = "<b>&"
    w.a1.save(update_fields=["display_name"])
    svg = poster_svg(card=qr_card(actor=w.actor(w.a1)), language="en")
    assert "<b>&" not in svg and "&lt;b&gt;&amp;" in svg
