"""Playbooks (活动模板): ready-made campaign drafts (ADR 30).

The seed's four targets (the ready-made segments of ADR 23), a welcome and a win-back campaign.
A playbook gives the audience, the words (zh-Hans and English), the holdout, the window and
the goal; the marketer picks the coupon template (the brand's own offer) and may change
anything before submitting. ADR 35 adds the scheduled ones: birthday (triggered, once a year),
new-product push on every channel, new-store opening (members near the store, a coupon valid
only there), the invitation of imported legacy members to bind their card (WeChat where they
follow, SMS otherwise) and the welcome series (a triggered journey)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from omniloop.accounts.access import Actor
from omniloop.campaigns.journeys import StepSpec, journey_save
from omniloop.campaigns.models import Campaign
from omniloop.campaigns.services import campaign_draft
from omniloop.core.errors import NotFound
from omniloop.insights.models import Segment
from omniloop.insights.services import segment_save, segments_install_ready_made
from omniloop.promotions.models import CouponTemplate


@dataclass(frozen=True)
class Playbook:
    key: str
    name: Any  # a lazy translation
    segment: str
    title: str
    body: str
    holdout_share: Decimal = Decimal("0.100")
    window_days: int = 14
    goal: str = "revenue"
    segment_rule: dict[str, Any] | None = None  # for a segment the playbook brings itself
    # ADR 35: the schedule, message and audience narrowing; a journey's steps.
    fields: tuple[tuple[str, Any], ...] = ()
    steps: tuple[StepSpec, ...] = ()


PLAYBOOKS: tuple[Playbook, ...] = (
    Playbook(
        "weekend-morning",
        _("Weekend-morning coupon for weekend-daytime coffee buyers"),
        "weekend-daytime-coffee",
        "周末早安券",
        "本周末上午到店,咖啡立减。",
    ),
    Playbook(
        "lapsed-favourite",
        _("A discount on what lapsed members used to buy"),
        "not-seen-for-a-while",
        "好久不见",
        "您常买的商品给您留了一张优惠券。",
        window_days=30,
        goal="visits",
    ),
    Playbook(
        "new-product-steep",
        _("Steep coupon for frequent visitors who never bought the new product"),
        "frequent-never-new-product",
        "新品尝鲜",
        "新品上市,专属尝鲜券已放入您的账户。",
    ),
    Playbook(
        "combo-side",
        _("Side-item coupon for combo buyers"),
        "combo-without-side",
        "小食券",
        "下次点套餐,加一份小食更划算。",
    ),
    Playbook(
        "welcome",
        _("Welcome: members who joined in the last 7 days"),
        "campaign-joined-7d",
        "欢迎加入",
        "新会员礼券已放入您的账户。",
        segment_rule={"field": "tenure_days", "op": "<=", "value": 7},
    ),
    Playbook(
        "win-back",
        _("Win-back: lapsed members"),
        "lifecycle-lapsed",
        "我们想您了",
        "回来看看,一张优惠券等着您。",
        holdout_share=Decimal("0.200"),
        window_days=30,
        goal="visits",
    ),
    Playbook(
        "birthday",
        _("Birthday: a gift on the member's birthday (once a year)"),
        "",
        "生日快乐",
        "生日礼券已放入您的账户,祝您生日快乐!",
        window_days=30,
        fields=(
            ("schedule", "triggered"),
            ("trigger", "birthday"),
            ("message_template", "campaign_coupon"),
        ),
    ),
    Playbook(
        "new-product-everywhere",
        _("New product: tell active members on every channel"),
        "campaign-active-365d",
        "新品上市",
        "新品已到店,快来尝鲜。",
        segment_rule={"field": "recency_days", "op": "<=", "value": 365},
        fields=(("channel", "all"),),
    ),
    Playbook(
        "new-store",
        _("New store: invite members nearby with a coupon valid only there"),
        "campaign-everyone",
        "新店开业",
        "新店开业,邀您到店,专属礼券已备好。",
        segment_rule={"field": "tenure_days", "op": ">=", "value": 0},
        window_days=30,
        goal="visits",
        fields=(("narrowing", "near_store"), ("message_template", "campaign_store_invite")),
    ),
    Playbook(
        "legacy-bind",
        _("Imported members: invite them to bind their card (WeChat, else SMS)"),
        "campaign-everyone",
        "绑定会员卡",
        "您的会员卡已迁移,绑定后即可查看积分与优惠。",
        segment_rule={"field": "tenure_days", "op": ">=", "value": 0},
        window_days=30,
        goal="visits",
        fields=(
            ("narrowing", "legacy_unbound"),
            ("message_template", "campaign_bind_invite"),
            ("link_url", "/h5/card"),
        ),
    ),
    Playbook(
        "welcome-series",
        _("Welcome series: a gift on joining, a reminder after three days without a purchase"),
        "",
        "欢迎加入",
        "新会员礼券已放入您的账户。",
        fields=(("schedule", "triggered"), ("trigger", "joined")),
        steps=(
            StepSpec("send", with_coupon=True, title="欢迎加入", body="新会员礼券已放入您的账户。"),
            StepSpec("wait", wait_hours=72),
            StepSpec("condition", condition="purchased", negate=True),
            StepSpec("send", title="别忘了您的礼券", body="新会员礼券还在等您,到店即可使用。"),
        ),
    ),
)


def playbook_get(key: str) -> Playbook:
    for p in PLAYBOOKS:
        if p.key == key:
            return p
    raise NotFound("No such playbook.", code="playbook_unknown")


def _segment(p: Playbook) -> Segment | None:
    if not p.segment:
        return None
    found = Segment.objects.filter(slug=p.segment).first()
    if found is not None:
        return found
    if p.segment_rule is not None:
        return segment_save(slug=p.segment, name=str(p.name)[:100], rule=p.segment_rule)
    segments_install_ready_made()
    return Segment.objects.get(slug=p.segment)


def campaign_from_playbook(
    *, actor: Actor, key: str, coupon_template: CouponTemplate | None = None, **changes: Any
) -> Campaign:
    """A draft from the playbook `key`, with `changes` on top."""
    p = playbook_get(key)
    fields: dict[str, Any] = {
        "coupon_template": coupon_template,
        "title": p.title,
        "body": p.body,
        "holdout_share": p.holdout_share,
        "window_days": p.window_days,
        "goal": p.goal,
        **dict(p.fields),
    }
    fields.update(changes)
    name = fields.pop("name", None) or str(p.name)[:100]
    segment = fields.pop("segment", None) or _segment(p)
    campaign = campaign_draft(actor=actor, name=name, segment=segment, **fields)
    campaign.playbook = p.key
    campaign.save(update_fields=["playbook"])
    if p.steps:
        journey_save(actor=actor, campaign=campaign, steps=list(p.steps))
    return campaign
