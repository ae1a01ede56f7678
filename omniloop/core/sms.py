"""SMS delivery behind a small interface. The messaging issue adds real providers; here the
development backend writes messages to the log and the test backend keeps them in memory."""

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
        LocmemSmsBackend.outbox.append(message)
        return f"locmem-{len(LocmemSmsBackend.outbox)}"


@lru_cache(maxsize=4)
def _backend(path: str) -> SmsBackend:
    backend: SmsBackend = import_string(path)()
    return backend


def send_sms(message: SmsMessage) -> str:
    return _backend(settings.OMNILOOP_SMS_BACKEND).send(message)
