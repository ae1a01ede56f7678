"""The message templates campaigns send (ADR 35): each treated member's message names their
own coupon (`{coupon_code}`, filled at send time from the coupon issued to them)."""

from omniloop.messaging.templates import register_template
from omniloop.messaging.values import Channel, MessageKind

register_template(
    "campaign_coupon",
    kind=MessageKind.MARKETING,
    subject={"zh-hans": "{brand}:{title}", "en": "{brand}: {title}"},
    text={
        "zh-hans": "【{brand}】{title}:{body} 您的券码 {coupon_code}",
        "en": "[{brand}] {title}: {body} Your coupon code {coupon_code}",
    },
)
register_template(
    "campaign_store_invite",
    kind=MessageKind.MARKETING,
    subject={"zh-hans": "{brand}:{title}", "en": "{brand}: {title}"},
    text={
        "zh-hans": "【{brand}】{title}:{body} 仅限{store}使用,券码 {coupon_code}",
        "en": "[{brand}] {title}: {body} Valid only at {store}. Coupon code {coupon_code}",
    },
)
register_template(
    # Legacy members invited to bind their card: WeChat where they follow the account, SMS
    # otherwise (the outbox's channel fallback does the choosing).
    "campaign_bind_invite",
    kind=MessageKind.MARKETING,
    subject={"zh-hans": "{brand}:{title}", "en": "{brand}: {title}"},
    text={
        "zh-hans": "【{brand}】{title}:{body} 绑定会员卡 {link_url}",
        "en": "[{brand}] {title}: {body} Bind your card: {link_url}",
    },
    channels=(Channel.WECHAT, Channel.SMS),
)
