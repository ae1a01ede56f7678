"""A real SMS provider over HTTP, modelled on Aliyun SMS (dysmsapi `SendSms`, RPC signature
version 1.0): every request carries AccessKeyId, a UTC Timestamp and a random SignatureNonce,
and is signed with HMAC-SHA1 over the canonical query string. Our message id travels as
`OutId`, the client reference that comes back in delivery receipts and by which a provider (and
our fake in the tests) recognises a resend.

Selected by `OMNILOOP_SMS_BACKEND = "omniloop.messaging.sms_http.AliyunSmsBackend"`; configured
by the `OMNILOOP_SMS_HTTP_*` settings. Error codes map to `SmsError(retryable=...)`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import requests
from django.conf import settings

from omniloop.core.sms import SmsError, SmsMessage

# Aliyun's codes: limits and outages are worth retrying; a bad number, template or signature
# never will be.
RETRYABLE_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.DAY_LIMIT_CONTROL",
        "isv.AMOUNT_NOT_ENOUGH",
        "isp.SYSTEM_ERROR",
        "Throttling.User",
        "ServiceUnavailable",
    }
)
OUR_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL": "sms_rate_limited",
    "isv.DAY_LIMIT_CONTROL": "sms_rate_limited",
    "Throttling.User": "sms_rate_limited",
    "isv.MOBILE_NUMBER_ILLEGAL": "sms_number_invalid",
    "isv.BLACK_KEY_CONTROL_LIMIT": "sms_content_refused",
    "isv.SMS_TEMPLATE_ILLEGAL": "sms_template_invalid",
    "isv.SMS_SIGNATURE_ILLEGAL": "sms_signature_invalid",
    "SignatureDoesNotMatch": "sms_credentials_invalid",
    "InvalidAccessKeyId.NotFound": "sms_credentials_invalid",
}


def percent(value: str) -> str:
    """RFC 3986 encoding as Aliyun's signature wants it (space %20, '*' %2A, '~' kept)."""
    return quote(value, safe="~")


def sign(params: dict[str, str], *, secret: str, method: str = "GET") -> str:
    canonical = "&".join(f"{percent(k)}={percent(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{percent('/')}&{percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _national(e164: str) -> str:
    return e164.removeprefix("+86") if e164.startswith("+86") else e164.lstrip("+")


_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per thread (a worker sends many messages in a row)."""
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


class AliyunSmsBackend:
    def send(self, message: SmsMessage) -> str:
        endpoint = settings.OMNILOOP_SMS_HTTP_ENDPOINT
        if not endpoint:
            raise SmsError(
                "No SMS endpoint is configured.", code="sms_not_configured", retryable=True
            )
        params = {
            "AccessKeyId": settings.OMNILOOP_SMS_HTTP_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": _national(message.to_e164),
            "RegionId": "cn-hangzhou",
            "SignName": settings.OMNILOOP_SMS_HTTP_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": settings.OMNILOOP_SMS_HTTP_TEMPLATES[str(message.kind)],
            "TemplateParam": json.dumps({"content": message.text}, ensure_ascii=False),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        if message.reference:
            params["OutId"] = message.reference
        params["Signature"] = sign(params, secret=settings.OMNILOOP_SMS_HTTP_KEY_SECRET)
        try:
            reply = _session().get(
                endpoint, params=params, timeout=settings.OMNILOOP_SMS_HTTP_TIMEOUT
            )
        except requests.RequestException as exc:
            raise SmsError(
                f"SMS provider unreachable: {exc}"[:200], code="sms_unavailable", retryable=True
            ) from exc
        if reply.status_code >= 500:
            raise SmsError(
                f"SMS provider answered {reply.status_code}.",
                code="sms_unavailable",
                retryable=True,
            )
        try:
            body = reply.json()
        except ValueError as exc:
            raise SmsError(
                "SMS provider answered no JSON.", code="sms_unavailable", retryable=True
            ) from exc
        code = str(body.get("Code", ""))
        if code == "OK":
            return str(body.get("BizId", ""))
        raise SmsError(
            f"SMS provider refused: {code} {body.get('Message', '')}"[:200],
            code=OUR_CODES.get(code, "sms_refused"),
            retryable=code in RETRYABLE_CODES,
        )


def webhook_signature(*, timestamp: str, body: bytes, secret: str) -> str:
    """Our receipts' and replies' webhook signature: HMAC-SHA256 of `timestamp.body`."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
