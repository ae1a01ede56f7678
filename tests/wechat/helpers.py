"""Posting callbacks to the real endpoint the way WeChat does: signed and encrypted either by
our independent implementation (`wire`) or by wechatpy."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

import xmltodict
from django.test import Client
from wechatpy.crypto import WeChatCrypto

from omniloop.core import clock
from tests.wechat import wire
from tests.wechat.conftest import AES_KEY, APP_ID, TOKEN

URL = "/wechat/callback"


def now_ts() -> int:
    return int(clock.now().timestamp())


def _nonce() -> str:
    return str(secrets.randbelow(10**10))


def post(client: Client, query: dict[str, str], body: bytes):
    return client.post(f"{URL}?{urlencode(query)}", data=body, content_type="text/xml")


def post_plain(client: Client, xml: str, *, timestamp: int | None = None, token: str = TOKEN):
    ts = str(timestamp if timestamp is not None else now_ts())
    return post(client, wire.plain_query(token, ts, _nonce()), xml.encode())


def post_safe(
    client: Client,
    xml: str,
    *,
    timestamp: int | None = None,
    key: str = AES_KEY,
    by: str = "wire",
):
    """`by="wire"`: encrypted and signed with hashlib/cryptography; `by="wechatpy"`: by
    wechatpy's WeChatCrypto, as a WeChat server would."""
    ts = str(timestamp if timestamp is not None else now_ts())
    nonce = _nonce()
    if by == "wire":
        query, body = wire.safe_envelope(
            token=TOKEN, encoding_aes_key=key, app_id=APP_ID, xml=xml, timestamp=ts, nonce=nonce
        )
        return post(client, query, body)
    envelope = WeChatCrypto(TOKEN, key, APP_ID).encrypt_message(xml, nonce, ts)
    signed = xmltodict.parse(envelope)["xml"]
    query = wire.plain_query(TOKEN, ts, nonce)
    query.update(encrypt_type="aes", msg_signature=signed["MsgSignature"])
    return post(client, query, envelope.encode())


def verify_url(client: Client, echostr: str, *, timestamp: int | None = None, token: str = TOKEN):
    ts = str(timestamp if timestamp is not None else now_ts())
    query = wire.plain_query(token, ts, _nonce())
    query["echostr"] = echostr
    return client.get(f"{URL}?{urlencode(query)}")
