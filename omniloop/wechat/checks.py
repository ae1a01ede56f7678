"""`check --deploy`: a service account answered in plaintext mode in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def wechat_safe_mode(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.OMNILOOP_WECHAT_TOKEN and not settings.OMNILOOP_WECHAT_AES_KEY:
        return [
            Warning(
                "WeChat callbacks are accepted in plaintext mode: their bodies are not signed.",
                hint="Set OMNILOOP_WECHAT_AES_KEY (the EncodingAESKey) and use safe mode.",
                id="omniloop.W101",
            )
        ]
    return []
