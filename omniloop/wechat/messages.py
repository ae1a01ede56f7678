"""Outbound messages to followers, the calls the outbox will make (issue 6, item 4).

Each either sends or raises a `WechatApiError` whose `retryable` says whether to try later:
a rate limit (45009) or an outage is retryable, a closed 48-hour window or an unfollowed
account is not. Template messages need a follower; customer-service messages (客服消息) also
need the user to have acted within the last 48 hours."""

from __future__ import annotations

from datetime import timedelta

from omniloop.core import clock
from omniloop.wechat.adapter import WechatApi
from omniloop.wechat.errors import WechatNotFollowing, WechatWindowClosed
from omniloop.wechat.models import WechatFollower

CUSTOMER_SERVICE_WINDOW = timedelta(hours=48)


def _follower(openid: str) -> WechatFollower:
    follower = WechatFollower.objects.filter(openid=openid).first()
    if follower is None or not follower.subscribed:
        raise WechatNotFollowing("This user does not follow the account.")
    return follower


def wechat_window_open(*, follower: WechatFollower) -> bool:
    last = follower.last_interaction_at
    return last is not None and clock.now() - last < CUSTOMER_SERVICE_WINDOW


def wechat_template_send(
    *, openid: str, template_id: str, data: dict[str, str], url: str = ""
) -> int:
    """Send a template message (模板消息) to a follower; returns WeChat's msgid."""
    _follower(openid)
    return WechatApi().template_send(openid=openid, template_id=template_id, data=data, url=url)


def wechat_customer_service_send(*, openid: str, text: str) -> None:
    """Send a customer-service text, refused with `wechat_window_closed` (409) when the user
    has not acted in the last 48 hours: WeChat would refuse it too (45015)."""
    follower = _follower(openid)
    if not wechat_window_open(follower=follower):
        raise WechatWindowClosed("The 48-hour customer-service window is closed.")
    WechatApi().custom_send_text(openid=openid, text=text)


def wechat_openid_for_member(*, member_id: int) -> str | None:
    """The openid to reach a member on, if they follow the account."""
    follower = (
        WechatFollower.objects.filter(member_id=member_id, subscribed=True)
        .order_by("-last_interaction_at")
        .first()
    )
    return follower.openid if follower else None
