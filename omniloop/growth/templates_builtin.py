"""The messages the growth tools send (through the messaging outbox)."""

from omniloop.messaging.templates import register_template
from omniloop.messaging.values import MessageKind

register_template(
    "lottery_won",
    kind=MessageKind.MARKETING,
    subject={"zh-hans": "{brand}:恭喜中奖", "en": "{brand}: you won"},
    text={
        "zh-hans": "【{brand}】恭喜您在「{title}」抽奖中获奖,奖品{prize}已放入您的券包。",
        "en": "[{brand}] You won in {title}: {prize} is in your coupon wallet.",
    },
)
register_template(
    "referral_rewarded",
    kind=MessageKind.MARKETING,
    subject={"zh-hans": "{brand}:推荐奖励已到账", "en": "{brand}: your referral reward"},
    text={
        "zh-hans": "【{brand}】您邀请的好友已完成首单,{points}积分已存入您的会员卡。",
        "en": "[{brand}] A friend you invited made a first purchase: {points} points for you.",
    },
)
