from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SubscriptionItem:
    """One template of a subscription-notice event (订阅通知): `status` is `accept` or `reject`
    (popup and change events) or the send result (`success`, `failed:user block`, ...) with
    WeChat's `msgid` and `error_code` (subscribe_msg_sent_event)."""

    template_id: str
    status: str
    msgid: str = ""
    error_code: int = 0
    popup_scene: str = ""


@dataclass(frozen=True)
class Inbound:
    """One message or event from WeChat, opened (verified, decrypted) and parsed by the adapter.

    `event` is lower case (`subscribe`, `scan`, `unsubscribe`, ...) and empty for messages;
    `scene` is the parametric code's scene (without `qrscene_`) for subscribe and SCAN."""

    msg_type: str
    event: str
    openid: str
    account: str
    create_time: int
    msg_id: int | None = None
    scene: str = ""
    ticket: str = ""
    content: str = ""
    pic_url: str = ""  # image messages: WeChat's temporary URL of the picture
    media_id: str = ""
    # TEMPLATESENDJOBFINISH: the template message's msgid (its `MsgID`) and `Status`.
    job_msgid: int | None = None
    status: str = ""
    # Membership-card events (user_get_card, user_del_card): card, code and our outer_str.
    card_id: str = ""
    card_code: str = ""
    outer_str: str = ""
    # subscribe_msg_popup_event / _change_event / _sent_event: one item per template.
    subscriptions: tuple[SubscriptionItem, ...] = ()

    @property
    def dedup_key(self) -> str:
        # WeChat's retries repeat the message exactly: MsgId for messages; events have none,
        # so the sender and CreateTime (and the event, since one second may hold two).
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"evt:{self.openid}:{self.create_time}:{self.event}"[:160]


@dataclass(frozen=True)
class QrTicket:
    ticket: str
    url: str
    expire_seconds: int | None


@dataclass(frozen=True)
class QrCodeInfo:
    id: int
    touchpoint_id: int
    scene: str
    permanent: bool
    ticket: str
    url: str
    image_url: str
    expires_at: datetime | None
    scans: int
    last_scanned_at: datetime | None
    created: bool
