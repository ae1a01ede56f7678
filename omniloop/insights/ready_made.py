"""Ready-made segments (现成人群): the seed's four targets, an RFM grid and the lifecycle stages.

The seed's targets name catalog codes (`coffee`, `combo`, `side`, `new-product`) a brand edits
to its own; the RFM grid covers the 25 R x F cells once; lifecycle stages are the feature's."""

from __future__ import annotations

from typing import Any

from omniloop.insights.feature_sql import LIFECYCLE_STAGES


def _rf(r: tuple[int, int], f: tuple[int, int]) -> dict[str, Any]:
    return {
        "all": [
            {"field": "rfm_r", "op": "between", "value": list(r)},
            {"field": "rfm_f", "op": "between", "value": list(f)},
        ]
    }


SEED_TARGETS: list[dict[str, Any]] = [
    {
        "slug": "weekend-daytime-coffee",
        "name": "周末白天买咖啡的会员",
        "name_en": "Weekend-daytime coffee buyers",
        "description": "Bought coffee on a Saturday or Sunday between 08:00 and 17:00 in 90 days",
        "rule": {
            "purchased": {
                "category": "coffee",
                "weekdays": [6, 7],
                "hours": [8, 17],
                "within_days": 90,
            }
        },
    },
    {
        "slug": "not-seen-for-a-while",
        "name": "有一阵子没来的会员",
        "name_en": "Not seen for a while",
        "description": "Bought at least twice, nothing in 60 days (export shows what they bought)",
        "rule": {
            "all": [
                {"field": "recency_days", "op": ">=", "value": 60},
                {"field": "orders_total", "op": ">=", "value": 2},
            ]
        },
    },
    {
        "slug": "frequent-never-new-product",
        "name": "常来却没买过新品的会员",
        "name_en": "Frequent visitors who never bought the new product",
        "description": "Four or more orders in 90 days, never the new product",
        "rule": {
            "all": [
                {"field": "orders_90d", "op": ">=", "value": 4},
                {"not": {"purchased": {"product": "new-product"}}},
            ]
        },
    },
    {
        "slug": "combo-without-side",
        "name": "买套餐不点小食的会员",
        "name_en": "Combo buyers who never take the side item",
        "description": "Bought a combo in 180 days, never a side item",
        "rule": {
            "all": [
                {"purchased": {"category": "combo", "within_days": 180}},
                {"not": {"purchased": {"category": "side"}}},
            ]
        },
    },
]

RFM_GRID: list[tuple[str, str, str, dict[str, Any]]] = [
    ("rfm-champions", "重要价值", "Champions", _rf((4, 5), (4, 5))),
    ("rfm-potential-loyalists", "潜力会员", "Potential loyalists", _rf((4, 5), (2, 3))),
    ("rfm-new-customers", "新客", "New customers", _rf((5, 5), (1, 1))),
    ("rfm-promising", "有潜力", "Promising", _rf((4, 4), (1, 1))),
    ("rfm-need-attention", "需要关注", "Need attention", _rf((3, 3), (3, 5))),
    ("rfm-about-to-sleep", "即将沉睡", "About to sleep", _rf((3, 3), (1, 2))),
    ("rfm-at-risk", "重要挽留", "At risk", _rf((1, 2), (3, 4))),
    ("rfm-cant-lose", "不能失去", "Can't lose them", _rf((1, 2), (5, 5))),
    ("rfm-hibernating", "沉睡", "Hibernating", _rf((1, 2), (1, 2))),
]

LIFECYCLE_NAMES = {
    "new": ("新会员", "New"),
    "active": ("活跃", "Active"),
    "won_back": ("回流", "Won back"),
    "at_risk": ("有流失风险", "At risk"),
    "lapsed": ("已流失", "Lapsed"),
}


def ready_made_segments() -> list[dict[str, Any]]:
    """Every ready-made segment as the fields of a `Segment`."""
    out = [dict(s) for s in SEED_TARGETS]
    for slug, name, name_en, rule in RFM_GRID:
        out.append({"slug": slug, "name": name, "name_en": name_en, "rule": rule})
    for stage in LIFECYCLE_STAGES:
        name, name_en = LIFECYCLE_NAMES[stage]
        out.append(
            {
                "slug": f"lifecycle-{stage.replace('_', '-')}",
                "name": name,
                "name_en": name_en,
                "rule": {"field": "lifecycle", "op": "=", "value": stage},
            }
        )
    return out
