from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
