"""The article body: paragraphs, headings, lists and bold, and nothing a body contains ever
becomes markup of its own (no XSS)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniloop.content.markup import body_html

OUR_TAGS = re.compile(r"</?(p|br|h2|ul|li|strong)>")


def test_blocks_become_paragraphs_headings_and_lists():
    html = body_html("## 新品\n\n第一行\n第二行\n\n- 羊毛\n- **限量** 100 件")
    assert html == (
        "<h2>新品</h2><p>第一行<br>第二行</p>"
        "<ul><li>羊毛</li><li><strong>限量</strong> 100 件</li></ul>"
    )


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "**<a href='javascript:alert(1)'>x</a>**",
        "## <svg onload=alert(1)>",
        "- <iframe src=//evil>",
        '"><script>alert(1)</script>',
    ],
)
def test_markup_in_a_body_is_shown_as_text(attack):
    html = body_html(attack)
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "<svg" not in html and "<iframe" not in html
    assert "&lt;" in html
    assert OUR_TAGS.sub("", html).count("<") == 0


@given(st.text(max_size=300))
def test_no_text_produces_a_tag_that_is_not_ours(text):
    html = body_html(text)
    assert "<" not in OUR_TAGS.sub("", html)
    assert ">" not in OUR_TAGS.sub("", html)
