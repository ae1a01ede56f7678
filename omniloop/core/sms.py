"""SMS delivery behind a small interface. The development backend writes messages to the log
and the test backend keeps them in memory; `omniloop.messaging.sms_http` adds a real HTTP
provider (configured by `OMNILOOP_SMS_BACKEND`).

`SmsMessage.reference` is the caller's idempotency key (the outbox's message id): a provider
passes it as its client reference (Aliyun's OutId) so a resend after a crash is recognised.
A backend that fails raises `SmsError`, whose `retryable` tells the outbox whether to try again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("omniloop.sms")


class SmsKind(StrEnum):
    VERIFICATION = "verification"
    NOTICE = "notice"
    MARKETING = "marketing"


@dataclass(frozen=True)
class SmsMessage:
    to_e164: str
    text: str
    kind: SmsKind
    reference: str = ""


class SmsError(Exception):
    """A provider refused or could not take a message. `code` is stable and machine-readable
    (`sms_rate_limited`, `sms_number_invalid`...), `retryable` says whether later may work."""

    def __init__(self, message: str, *, code: str, retryable: bool) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> str: ...


class LogSmsBackend:
    """Development: the message, code included, goes to the server log."""

    def send(self, message: SmsMessage) -> str:
        log.warning("SMS (%s) to %s: %s", message.kind, message.to_e164, message.text)
        return "log"


class LocmemSmsBackend:
    """Tests: messages accumulate in `outbox`."""

    outbox: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> str:
        if message.reference:
            # As a provider that dedupes by client reference: a resend is not a second SMS.
            for i, sent in enumerate(LocmemSmsBackend.outbox, start=1):
                if sent.reference == message.reference:
                    return f"locmem-{i}"
        LocmemSmsBackend.outbox.append(message)
        return f"locmem-{len(LocmemSmsBackend.outbox)}"


@lru_cache(maxsize=4)
def _backend(path: str) -> SmsBackend:
    backend: SmsBackend = import_string(path)()
    return backend


def send_sms(message: SmsMessage) -> str:
    return _backend(settings.OMNILOOP_SMS_BACKEND).send(message)
