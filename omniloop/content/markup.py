"""The article body's markup: plain paragraphs and a little more, rendered safe by construction.

Marketers write text, not HTML. A blank line starts a paragraph, `## ` a heading, `- ` a list
item, and `**...**` is bold. Every piece of text is escaped first and only our own tags are put
around it, so whatever a body contains (`<script>`, `onerror=`, `javascript:`) is shown as text
and never reaches the page as markup. No links and no images: nothing can point elsewhere."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_BODY = 10_000
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(text: str) -> str:
    # Escape, then bold: the pattern cannot match inside an entity, and the tags are ours.
    return _BOLD.sub(r"<strong>\1</strong>", escape(text.strip()))


def _block(lines: list[str]) -> str:
    if all(line.startswith("- ") for line in lines):
        items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    if len(lines) == 1 and lines[0].startswith("## "):
        return f"<h2>{_inline(lines[0][3:])}</h2>"
    return "<p>" + "<br>".join(_inline(line) for line in lines) + "</p>"


def body_html(text: str) -> SafeString:
    """The body as HTML: blocks split at blank lines, each escaped and wrapped in our tags."""
    blocks: list[list[str]] = [[]]
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if line.strip():
            blocks[-1].append(line.lstrip())
        elif blocks[-1]:
            blocks.append([])
    html = "".join(_block(b) for b in blocks if b)
    return mark_safe(html)  # noqa: S308 (every text piece went through escape())
