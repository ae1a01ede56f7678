"""Known-answer vectors: the adapter against Tencent's published sample and against our own
hashlib/cryptography implementation of the protocol, in both directions."""

from __future__ import annotations

import os

import pytest
import xmltodict

from omniloop.wechat import adapter
from omniloop.wechat.adapter import WechatConfig
from omniloop.wechat.errors import CallbackRefused
from omniloop.wechat.values import Inbound
from tests.wechat import wire
from tests.wechat.conftest import AES_KEY, APP_ID, TOKEN

# Tencent's published WXBizMsgCrypt sample (token, EncodingAESKey, AppID, one encrypted push
# and its msg_signature), as in their SDK samples and documentation.
T_TOKEN = "QDG6eK"
T_APP_ID = "wx5823bf96d3bd56c7"
T_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
T_TIMESTAMP = "1409659813"
T_NONCE = "1372623149"
T_MSG_SIGNATURE = "477715d11cdb4164915debcba66cb864d751f3e6"
T_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczc"
    "dCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLj"
    "vd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMn"
    "vw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k"
    "22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2Yoy"
    "yH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)


def _cfg(token=TOKEN, keys=(AES_KEY,), app_id=APP_ID) -> WechatConfig:
    return WechatConfig(
        app_id=app_id, token=token, aes_keys=keys, app_secret="", api_base="", timeout=1
    )


def test_tencents_sample_signature_matches_hashlib_and_the_adapter():
    parts = (T_TOKEN, T_TIMESTAMP, T_NONCE, T_ENCRYPT)
    assert wire.sha1_signature(*parts) == T_MSG_SIGNATURE
    assert adapter.signature(*parts) == T_MSG_SIGNATURE


def test_tencents_sample_decrypts_with_cryptography_and_the_adapter():
    _random, xml, app_id = wire.decrypt(T_KEY, T_ENCRYPT)
    assert app_id == T_APP_ID
    expected = xmltodict.parse(xml)["xml"]
    query = wire.plain_query(T_TOKEN, T_TIMESTAMP, T_NONCE)
    query.update(encrypt_type="aes", msg_signature=T_MSG_SIGNATURE)
    body = f"<xml><Encrypt><![CDATA[{T_ENCRYPT}]]></Encrypt></xml>".encode()
    got = adapter.open_message(_cfg(T_TOKEN, (T_KEY,), T_APP_ID), query, body)
    assert got == Inbound(
        msg_type=expected["MsgType"],
        event="",
        openid=expected["FromUserName"],
        account=expected["ToUserName"],
        create_time=int(expected["CreateTime"]),
        msg_id=int(expected["MsgId"]),
        content=expected["Content"],
    )


def test_the_sample_for_another_appid_is_refused():
    query = wire.plain_query(T_TOKEN, T_TIMESTAMP, T_NONCE)
    query.update(encrypt_type="aes", msg_signature=T_MSG_SIGNATURE)
    body = f"<xml><Encrypt><![CDATA[{T_ENCRYPT}]]></Encrypt></xml>".encode()
    with pytest.raises(CallbackRefused):
        adapter.open_message(_cfg(T_TOKEN, (T_KEY,), "wx-someone-else"), query, body)


@pytest.mark.parametrize("content", ["hi", "中文消息，按字节计长度", "x" * 31, "y" * 200])
def test_our_encryption_opens_in_the_adapter(content):
    xml = wire.text_xml(openid="o-abc", content=content, create_time=1700000000, msg_id=42)
    query, body = wire.safe_envelope(
        token=TOKEN, encoding_aes_key=AES_KEY, app_id=APP_ID, xml=xml, timestamp="1", nonce="n"
    )
    got = adapter.open_message(_cfg(), query, body)
    assert (got.content, got.msg_id, got.openid) == (content, 42, "o-abc")


def test_adapter_replies_open_with_cryptography():
    inbound = Inbound(msg_type="text", event="", openid="o-abc", account="gh_x", create_time=1)
    envelope = adapter.reply_text(_cfg(), inbound, "你好 there", nonce="777", timestamp="123")
    data = xmltodict.parse(envelope)["xml"]
    assert data["MsgSignature"] == wire.sha1_signature(TOKEN, "123", "777", data["Encrypt"])
    _random, xml, app_id = wire.decrypt(AES_KEY, data["Encrypt"])
    reply = xmltodict.parse(xml)["xml"]
    assert app_id == APP_ID
    assert (reply["ToUserName"], reply["FromUserName"], reply["Content"]) == (
        "o-abc",
        "gh_x",
        "你好 there",
    )


def test_plain_reply_is_plain_xml():
    inbound = Inbound(msg_type="text", event="", openid="o-abc", account="gh_x", create_time=1)
    xml = adapter.reply_text(_cfg(keys=()), inbound, "ok", nonce="1", timestamp="2")
    assert xmltodict.parse(xml)["xml"]["Content"] == "ok"


def test_url_signature_is_sha1_of_the_sorted_parts():
    token, ts, nonce = TOKEN, "1700000000", os.urandom(4).hex()
    query = wire.plain_query(token, ts, nonce) | {"echostr": "abc123"}
    assert adapter.verify_url(_cfg(), query) == "abc123"
    query["signature"] = wire.sha1_signature(token, ts, nonce + "0")
    with pytest.raises(CallbackRefused):
        adapter.verify_url(_cfg(), query)


def test_subscribe_with_qrscene_is_parsed_to_the_bare_scene():
    xml = wire.event_xml(
        openid="o-1", event="subscribe", create_time=5, key="qrscene_abc234", ticket="T1"
    )
    query = wire.plain_query(TOKEN, "1", "2")
    got = adapter.open_message(_cfg(keys=()), query, xml.encode())
    assert (got.event, got.scene, got.ticket, got.dedup_key) == (
        "subscribe",
        "abc234",
        "T1",
        "evt:o-1:5:subscribe",
    )
    scan = wire.event_xml(openid="o-1", event="SCAN", create_time=6, key="abc234", ticket="T1")
    got = adapter.open_message(_cfg(keys=()), query, scan.encode())
    assert (got.event, got.scene) == ("scan", "abc234")
    after_pay = wire.event_xml(
        openid="o-1", event="subscribe", create_time=7, key="last_trade_no_4200001"
    )
    got = adapter.open_message(_cfg(keys=()), query, after_pay.encode())
    assert (got.event, got.scene) == ("subscribe", "")
