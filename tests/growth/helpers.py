from __future__ import annotations

import re
import uuid

from omniloop.core.sms import LocmemSmsBackend
from omniloop.onboarding.services import member_join, otp_send
from omniloop.onboarding.values import JoinResult
from omniloop.touchpoints.models import Visitor
from omniloop.touchpoints.services import visitor_get_or_create


def browser() -> Visitor:
    """A fresh browser: a new visitor cookie."""
    return visitor_get_or_create(key=str(uuid.uuid4()))


def join(phone: str, *, visitor: Visitor | None = None, scene: str | None = None) -> JoinResult:
    """The join form, as the H5 page posts it: a code by SMS, then the code."""
    otp_send(phone_raw=phone, client_key=f"test-{phone}")
    code = re.search(r"(\d{6})", LocmemSmsBackend.outbox[-1].text).group(1)  # type: ignore[union-attr]
    return member_join(phone_raw=phone, code=code, consents={}, visitor=visitor, scene=scene)
