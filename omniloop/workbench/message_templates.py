"""The messages an assistant's share sends (marketing: consent and caps decided at send)."""

from omniloop.messaging.templates import register_template
from omniloop.messaging.values import MessageKind

register_template(
    "workbench_product",
    kind=MessageKind.MARKETING,
    subject={"zh-hans": "{assistant}为您推荐{product}", "en": "{assistant} picked {product}"},
    text={
        "zh-hans": "【{brand}】您的导购{assistant}为您推荐:{product} 查看 {link_url}",
        "en": "[{brand}] Your shop assistant {assistant} picked {product} for you: {link_url}",
    },
)
register_template(
    "workbench_coupon",
    kind=MessageKind.MARKETING,
    subject={"zh-hans": "{assistant}送您一张优惠券", "en": "A coupon from {assistant}"},
    text={
        "zh-hans": "【{brand}】您的导购{assistant}送您一张优惠券「{coupon}」,已放入会员卡包。",
        "en": "[{brand}] Your shop assistant {assistant} gave you a coupon: {coupon}. "
        "It is in your member wallet.",
    },
)
