"""The templates Omniloop itself sends."""

from omniloop.messaging.templates import register_template
from omniloop.messaging.values import Channel, MessageKind

register_template(
    "notice",
    kind=MessageKind.TRANSACTIONAL,
    subject={"zh-hans": "{brand}通知", "en": "A notice from {brand}"},
    text={"zh-hans": "【{brand}】{body}", "en": "[{brand}] {body}"},
)
register_template(
    "pickup_ready",
    kind=MessageKind.TRANSACTIONAL,
    subject={"zh-hans": "订单{order}可以取货了", "en": "Order {order} is ready"},
    text={
        "zh-hans": "【{brand}】您的订单{order}已可在{store}取货,取货码{code}。",
        "en": "[{brand}] Your order {order} is ready at {store}. Pickup code {code}.",
    },
)
register_template(
    "promotion",
    kind=MessageKind.MARKETING,
    subject={"zh-hans": "{brand}:{title}", "en": "{brand}: {title}"},
    text={"zh-hans": "【{brand}】{title}:{body}", "en": "[{brand}] {title}: {body}"},
)
register_template(
    "promotion_link",
    kind=MessageKind.MARKETING,
    subject={"zh-hans": "{brand}:{title}", "en": "{brand}: {title}"},
    text={
        "zh-hans": "【{brand}】{title}:{body} 详情 {link_url}",
        "en": "[{brand}] {title}: {body} More: {link_url}",
    },
)
register_template(
    # An answer to a customer (the inbox): a customer-service message while WeChat's 48-hour
    # window is open, else an SMS notice. Sent as written: no brand prefix, no opt-out line.
    "cs_reply",
    kind=MessageKind.TRANSACTIONAL,
    subject={"zh-hans": "客服回复", "en": "Customer service"},
    text={"zh-hans": "{body}", "en": "{body}"},
    channels=(Channel.WECHAT_CS, Channel.SMS),
)
