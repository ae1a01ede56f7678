"""Triage rules (分诊规则): a category and a priority from what the customer wrote, in
Chinese or English. Pure functions, so the rules are tested by table."""

from __future__ import annotations

import re
from dataclasses import dataclass

from omniloop.inbox.models import Category, Priority

# First match wins, in this order: a body reacting outranks a size complaint in one message.
CATEGORY_WORDS: tuple[tuple[Category, tuple[str, ...]], ...] = (
    (
        Category.SKIN_REACTION,
        (
            "过敏",
            "皮肤",
            "发痒",
            "痒",
            "红肿",
            "起疹",
            "疹子",
            "刺痛",
            "allerg",
            "itch",
            "rash",
            "skin",
            "swell",
            "hives",
        ),
    ),
    (
        Category.QUALITY,
        (
            "质量",
            "起球",
            "掉色",
            "褪色",
            "破洞",
            "开线",
            "脱线",
            "缩水",
            "瑕疵",
            "坏了",
            "quality",
            "broken",
            "defect",
            "hole",
            "faded",
            "shrank",
            "shrink",
            "pilling",
            "torn",
            "ripped",
        ),
    ),
    (
        Category.SIZE,
        (
            "尺码",
            "偏大",
            "偏小",
            "太大",
            "太小",
            "不合身",
            "码数",
            "size",
            "too big",
            "too small",
            "fit",
        ),
    ),
    (
        Category.SERVICE,
        (
            "态度",
            "服务差",
            "店员",
            "导购",
            "不理人",
            "爱答不理",
            "凶",
            "rude",
            "attitude",
            "impolite",
            "unfriendly",
            "staff",
            "service",
        ),
    ),
    (
        Category.DELIVERY,
        (
            "快递",
            "物流",
            "配送",
            "发货",
            "没收到",
            "未收到",
            "送达",
            "延迟",
            "delivery",
            "shipping",
            "courier",
            "not arrived",
            "never arrived",
            "late",
            "parcel",
            "package",
        ),
    ),
)
# Words that make any voice urgent: health, the press, the regulator, lawyers, anger.
URGENT_WORDS = (
    "紧急",
    "马上",
    "立刻",
    "立即",
    "医院",
    "就医",
    "看医生",
    "投诉",
    "曝光",
    "媒体",
    "律师",
    "起诉",
    "12315",
    "消协",
    "315",
    "太差了",
    "气死",
    "urgent",
    "asap",
    "immediately",
    "hospital",
    "doctor",
    "lawyer",
    "sue",
    "press",
    "regulator",
    "complaint",
)
BASE_PRIORITY = {
    Category.SKIN_REACTION: Priority.HIGH,
    Category.QUALITY: Priority.NORMAL,
    Category.SIZE: Priority.NORMAL,
    Category.SERVICE: Priority.HIGH,
    Category.DELIVERY: Priority.NORMAL,
    Category.OTHER: Priority.NORMAL,
}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Triage:
    category: Category
    priority: Priority
    matched: tuple[str, ...]


def _has(text: str, word: str) -> bool:
    if word.isascii() and word.replace(" ", "").isalpha():
        # English: short words whole ("fit" is not "fitness"), longer ones as stems at a word
        # start ("allerg" finds "allergic", and "profit" never finds "fit").
        tail = r"\b" if len(word) <= 4 else ""
        return re.search(rf"\b{re.escape(word)}{tail}", text) is not None
    return word in text


def triage(text: str, *, category: str = "", rating: int | None = None) -> Triage:
    """Category from the first rule whose words appear (or the one given); priority from the
    category, raised to urgent by an urgent word and to high by a rating of 1 or 2 stars."""
    folded = _SPACE.sub(" ", text.lower())
    matched: list[str] = []
    chosen: Category | None = Category(category) if category in Category.values else None
    if chosen is None:
        for cat, words in CATEGORY_WORDS:
            hits = [w for w in words if _has(folded, w)]
            if hits:
                chosen, matched = cat, hits
                break
    chosen = chosen or Category.OTHER
    priority = BASE_PRIORITY[chosen]
    urgent = [w for w in URGENT_WORDS if _has(folded, w)]
    if urgent:
        priority, matched = Priority.URGENT, [*matched, *urgent]
    elif rating is not None and rating <= 2:
        priority = max(priority, Priority.HIGH)
    return Triage(category=chosen, priority=Priority(priority), matched=tuple(matched))
