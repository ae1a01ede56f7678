"""WeChat's callback wire format, written from the protocol with hashlib and cryptography only
(no wechatpy), so the tests check the adapter against an independent implementation."""

from __future__ import annotations

import base64
import hashlib
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 (WeChat's)


def aes_key(encoding_aes_key: str) -> bytes:
    key = base64.b64decode(encoding_aes_key + "=")
    assert len(key) == 32
    return key


def encrypt(encoding_aes_key: str, xml: str, app_id: str, random16: bytes | None = None) -> str:
    """random(16) + msg_len(4, big-endian) + msg + appid, PKCS#7 to 32, AES-256-CBC (IV = the
    key's first 16 bytes), base64."""
    key = aes_key(encoding_aes_key)
    msg = xml.encode()
    plain = (random16 or os.urandom(16)) + struct.pack(">I", len(msg)) + msg + app_id.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def decrypt(encoding_aes_key: str, encrypted: str) -> tuple[bytes, str, str]:
    """(random16, msg, appid); checks the padding is WeChat's PKCS#7 to 32 bytes."""
    key = aes_key(encoding_aes_key)
    raw = base64.b64decode(encrypted)
    assert len(raw) % BLOCK == 0, "ciphertext not a multiple of 32 bytes"
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(raw) + dec.finalize()
    pad = plain[-1]
    assert 1 <= pad <= BLOCK and plain[-pad:] == bytes([pad]) * pad, "bad PKCS#7 (32) padding"
    plain = plain[:-pad]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[:16], plain[20 : 20 + length].decode(), plain[20 + length :].decode()


def text_xml(
    *, openid: str, content: str, create_time: int, msg_id: int, account: str = "gh_test"
) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{account}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(
    *,
    openid: str,
    event: str,
    create_time: int,
    key: str | None = None,
    ticket: str | None = None,
    account: str = "gh_test",
) -> str:
    extra = ""
    if key is not None:
        extra += f"<EventKey><![CDATA[{key}]]></EventKey>"
    if ticket is not None:
        extra += f"<Ticket><![CDATA[{ticket}]]></Ticket>"
    return (
        f"<xml><ToUserName><![CDATA[{account}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{extra}</xml>"
    )


def plain_query(token: str, timestamp: str, nonce: str) -> dict[str, str]:
    return {
        "signature": sha1_signature(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": "ignored",
    }


def safe_envelope(
    *, token: str, encoding_aes_key: str, app_id: str, xml: str, timestamp: str, nonce: str
) -> tuple[dict[str, str], bytes]:
    """The query and body WeChat POSTs in safe mode."""
    encrypted = encrypt(encoding_aes_key, xml, app_id)
    query = plain_query(token, timestamp, nonce)
    query["encrypt_type"] = "aes"
    query["msg_signature"] = sha1_signature(token, timestamp, nonce, encrypted)
    body = (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    return query, body.encode()
