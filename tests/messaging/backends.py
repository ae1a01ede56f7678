"""SMS backends for tests: one that fails as told, then sends."""

from __future__ import annotations

from collections import deque

from omniloop.core.sms import LocmemSmsBackend, SmsError, SmsMessage


class FlakySmsBackend:
    errors: deque[SmsError] = deque()

    def send(self, message: SmsMessage) -> str:
        if FlakySmsBackend.errors:
            raise FlakySmsBackend.errors.popleft()
        return LocmemSmsBackend().send(message)
