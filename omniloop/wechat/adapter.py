"""Our boundary with WeChat: the only module that imports wechatpy (ADR 16).

Inbound: `verify_url` (the GET URL check) and `open_message` (signature, `msg_signature`,
AES decryption, parsing into our `Inbound`). Replies: `reply_text`. Outbound: `WechatApi`, the
HTTP client with the access token cached in Django's cache, refreshed once on a token error, and
WeChat's error codes mapped to ours (`errors.error_for`). Everything else speaks our types."""

from __future__ import annotations

import hmac
import struct
import time
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

import requests
from django.conf import settings
from django.core.cache import cache
from wechatpy import parse_message
from wechatpy.client import WeChatClient
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException, WeChatException
from wechatpy.replies import TextReply
from wechatpy.session import SessionStorage
from wechatpy.utils import WeChatSigner

from omniloop.wechat.errors import (
    TOKEN_ERRCODES,
    CallbackMalformed,
    CallbackRefused,
    WechatApiError,
    WechatNotConfigured,
    WechatRetryable,
    error_for,
)
from omniloop.wechat.values import Inbound, QrTicket, SubscriptionItem

# The subscription-notice events and the element holding their <List> of templates.
SUBSCRIPTION_EVENTS = {
    "subscribe_msg_popup_event": "SubscribeMsgPopupEvent",
    "subscribe_msg_change_event": "SubscribeMsgChangeEvent",
    "subscribe_msg_sent_event": "SubscribeMsgSentEvent",
}
MAX_TEMPORARY_SECONDS = 2_592_000  # 30 days: WeChat's limit for temporary codes


@dataclass(frozen=True)
class WechatConfig:
    app_id: str
    token: str
    aes_keys: tuple[str, ...]  # the current EncodingAESKey first, the previous one while rotating
    app_secret: str
    api_base: str
    timeout: float

    @property
    def safe_mode(self) -> bool:
        return bool(self.aes_keys)


def wechat_config() -> WechatConfig:
    keys = (settings.OMNILOOP_WECHAT_AES_KEY, settings.OMNILOOP_WECHAT_AES_KEY_OLD)
    return WechatConfig(
        app_id=settings.OMNILOOP_WECHAT_APP_ID,
        token=settings.OMNILOOP_WECHAT_TOKEN,
        aes_keys=tuple(k for k in keys if k),
        app_secret=settings.OMNILOOP_WECHAT_APP_SECRET,
        api_base=settings.OMNILOOP_WECHAT_API_BASE.rstrip("/"),
        timeout=settings.OMNILOOP_WECHAT_API_TIMEOUT,
    )


# --- Inbound --------------------------------------------------------------------------------


def signature(*parts: str) -> str:
    """SHA-1 of the sorted, joined parts: WeChat's `signature` and `msg_signature`."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def _check(expected: str, *parts: str) -> None:
    if not hmac.compare_digest(signature(*parts), expected or ""):
        raise CallbackRefused("The signature does not match.")


def verify_url(cfg: WechatConfig, query: dict[str, str]) -> str:
    """The echostr to answer to WeChat's URL verification (plaintext in every mode)."""
    if not cfg.token:
        raise WechatNotConfigured("The WeChat callback token is not set.")
    _check(
        query.get("signature", ""), cfg.token, query.get("timestamp", ""), query.get("nonce", "")
    )
    return query.get("echostr", "")


def _refuse_entities(body: bytes) -> None:
    # WeChat never sends a DTD; refusing one rules out entity expansion before any parsing.
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise CallbackMalformed("Document type declarations are not accepted.")


def _encrypted_part(body: bytes) -> str:
    try:
        node = ElementTree.fromstring(body).find("Encrypt")  # noqa: S314 (no DTD: refused above)
    except ElementTree.ParseError as exc:
        raise CallbackMalformed("The message is not WeChat XML.") from exc
    if node is None or not node.text:
        raise CallbackMalformed("An encrypted message without its Encrypt part.")
    return node.text.strip()


def _decrypt(cfg: WechatConfig, body: bytes, query: dict[str, str]) -> str:
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    msg_signature = query.get("msg_signature", "")
    encrypted = _encrypted_part(body)
    _check(msg_signature, cfg.token, timestamp, nonce, encrypted)
    other_app = False
    for key in cfg.aes_keys:
        try:
            crypto = WeChatCrypto(cfg.token, key, cfg.app_id)
            return str(
                crypto.decrypt_message({"Encrypt": encrypted}, msg_signature, timestamp, nonce)
            )
        except InvalidSignatureException as exc:
            raise CallbackRefused("The message signature does not match.") from exc
        except InvalidAppIdException:
            other_app = True  # another AppID's message, or the wrong key's garbage
        except (ValueError, KeyError, TypeError, struct.error, WeChatException):
            pass  # not this key (a rotation in progress; its garbage may be too short to unpack)
    if other_app:
        raise CallbackRefused("The message is not for this AppID.")
    raise CallbackMalformed("The message could not be decrypted.")


def open_message(cfg: WechatConfig, query: dict[str, str], body: bytes) -> Inbound:
    """Verify and parse one POSTed callback. Refuses (403) a bad `signature`, a bad
    `msg_signature` and, once an AES key is set (safe mode), any plaintext message."""
    if not cfg.token:
        raise WechatNotConfigured("The WeChat callback token is not set.")
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    _check(query.get("signature", ""), cfg.token, timestamp, nonce)
    _refuse_entities(body)
    if query.get("encrypt_type", "raw") == "aes":
        if not cfg.safe_mode:
            raise CallbackMalformed("An encrypted message, but no AES key is configured.")
        xml = _decrypt(cfg, body, query)
        _refuse_entities(xml.encode())
    elif cfg.safe_mode:
        raise CallbackRefused("Safe mode is on: plaintext messages are refused.")
    else:
        xml = body.decode("utf-8", errors="replace")
    return _parse(xml)


def _parse(xml: str) -> Inbound:
    try:
        message = parse_message(xml)
        data: dict[str, Any] = dict(message._data)
    except Exception as exc:  # xmltodict raises expat errors, KeyError on a missing MsgType
        raise CallbackMalformed("The message is not WeChat XML.") from exc
    event = str(data.get("Event") or "").lower()
    scene = ""
    if event == "subscribe_scan":  # wechatpy's name for subscribe with qrscene_, key stripped
        event, scene = "subscribe", str(data.get("EventKey") or "")
    elif event == "scan":
        scene = str(data.get("EventKey") or "")
    try:
        create_time = int(data.get("CreateTime") or 0)
        msg_id = int(data["MsgId"]) if data.get("MsgId") else None
        job_msgid = int(data["MsgID"]) if event and data.get("MsgID") else None
    except ValueError as exc:
        raise CallbackMalformed("The message has a bad CreateTime or MsgId.") from exc
    openid = str(data.get("FromUserName") or "")
    if not openid or not create_time:
        raise CallbackMalformed("The message has no sender or time.")
    return Inbound(
        msg_type=str(data.get("MsgType") or "").lower(),
        event=event,
        openid=openid[:64],
        account=str(data.get("ToUserName") or "")[:64],
        create_time=create_time,
        msg_id=msg_id,
        scene=scene[:64],
        ticket=str(data.get("Ticket") or "")[:255],
        content=str(data.get("Content") or "")[:2048],
        pic_url=str(data.get("PicUrl") or "")[:512],
        media_id=str(data.get("MediaId") or "")[:128],
        job_msgid=job_msgid,
        status=str(data.get("Status") or "")[:64],
        card_id=str(data.get("CardId") or "")[:64],
        card_code=str(data.get("UserCardCode") or "")[:64],
        outer_str=str(data.get("OuterStr") or "")[:128],
        subscriptions=_subscription_items(event, data),
    )


def _subscription_items(event: str, data: dict[str, Any]) -> tuple[SubscriptionItem, ...]:
    """The templates of a subscription-notice event (xmltodict gives one <List> as a dict,
    several as a list)."""
    tag = SUBSCRIPTION_EVENTS.get(event)
    if tag is None:
        return ()
    holder = data.get(tag) or {}
    items = holder.get("List") if isinstance(holder, dict) else None
    if isinstance(items, dict):
        items = [items]
    out = []
    for item in items or []:
        if not isinstance(item, dict) or not item.get("TemplateId"):
            continue
        try:
            error_code = int(item.get("ErrorCode") or 0)
        except ValueError as exc:
            raise CallbackMalformed("A subscription event with a bad ErrorCode.") from exc
        status = item.get("SubscribeStatusString") or item.get("ErrorStatus") or ""
        out.append(
            SubscriptionItem(
                template_id=str(item["TemplateId"])[:128],
                status=str(status)[:64],
                msgid=str(item.get("MsgID") or "")[:32],
                error_code=error_code,
                popup_scene=str(item.get("PopupScene") or "")[:8],
            )
        )
    return tuple(out[:20])


def reply_text(
    cfg: WechatConfig, inbound: Inbound, content: str, *, nonce: str, timestamp: str
) -> str:
    """A passive text reply, encrypted (with a fresh `MsgSignature`) in safe mode."""
    xml = TextReply(source=inbound.account, target=inbound.openid, content=content).render()
    if not cfg.safe_mode:
        return str(xml)
    return str(
        WeChatCrypto(cfg.token, cfg.aes_keys[0], cfg.app_id).encrypt_message(xml, nonce, timestamp)
    )


# --- Outbound -------------------------------------------------------------------------------


class _CacheStorage(SessionStorage):  # type: ignore[misc]
    """wechatpy's token storage on Django's cache, shared by every process (with Redis)."""

    def get(self, key: str, default: Any = None) -> Any:
        return cache.get(f"wechat:{key}", default)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        cache.set(f"wechat:{key}", value, ttl)

    def delete(self, key: str) -> None:
        cache.delete(f"wechat:{key}")


class _Client(WeChatClient):  # type: ignore[misc]
    """wechatpy's client with our API base for the token too (wechatpy hard-codes it), a
    timeout on the token request, and one fetch at a time per account: a fresh token
    invalidates the last one at WeChat, so parallel workers refreshing in turn would keep
    refusing each other's tokens."""

    REFRESH_MARGIN = 60  # seconds before expiry when a token is renewed

    def __init__(self, cfg: WechatConfig) -> None:
        # auto_retry off: wechatpy retries token errors without a bound; we refresh once.
        super().__init__(
            cfg.app_id,
            cfg.app_secret,
            session=_CacheStorage(),
            timeout=cfg.timeout,
            auto_retry=False,
        )
        self.API_BASE_URL = f"{cfg.api_base}/cgi-bin/"
        self._token_url = f"{cfg.api_base}/cgi-bin/token"
        self._lock_key = f"wechat:token-lock:{cfg.app_id}"

    def _fresh(self, stale: str | None) -> str | None:
        token = self.session.get(self.access_token_key)
        expires_at = self.session.get(self.access_token_expires_at_key) or 0
        if token and token != stale and expires_at - time.time() > self.REFRESH_MARGIN:
            return str(token)
        return None

    def token(self, *, stale: str | None = None) -> str:
        """The cached token, else (or if it is `stale`, refused by WeChat) a new one, fetched by
        one caller while the others wait for it (the lock lives in Django's cache)."""
        deadline = time.monotonic() + (self.timeout or 5)
        while True:
            token = self._fresh(stale)
            if token:
                return token
            if cache.add(self._lock_key, "1", timeout=int(self.timeout or 5) + 5):
                try:
                    return self._fresh(stale) or self._fetch()
                finally:
                    cache.delete(self._lock_key)
            if time.monotonic() > deadline:
                return self._fetch()  # the holder died or hangs: fetch anyway
            time.sleep(0.02)

    def fetch_access_token(self) -> dict[str, Any]:
        self._fetch()
        return {"access_token": self.session.get(self.access_token_key)}

    def _fetch(self) -> str:
        res = self._http.get(
            url=self._token_url,
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            timeout=self.timeout,
        )
        res.raise_for_status()
        result: dict[str, Any] = res.json()
        if result.get("errcode"):
            raise error_for(int(result["errcode"]), str(result.get("errmsg", "")))
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.session.set(self.access_token_expires_at_key, int(time.time()) + expires_in)
        return str(result["access_token"])


class WechatApi:
    """The outbound API. Every call: the cached access token; on a token error (40001, 40014,
    42001) one refresh (unless another caller already replaced that token) and one retry;
    WeChat's other errors mapped by `errors.error_for` (45009 and -1 are `WechatRetryable`);
    no answer is `WechatRetryable` too."""

    def __init__(self, cfg: WechatConfig | None = None) -> None:
        self.cfg = cfg or wechat_config()
        if not (self.cfg.app_id and self.cfg.app_secret):
            raise WechatNotConfigured("The WeChat AppID and AppSecret are not set.")
        self._client = _Client(self.cfg)

    def _call(
        self,
        method: str,
        endpoint: str,
        *,
        data: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        stale: str | None = None
        for attempt in (1, 2):
            try:
                token = self._client.token(stale=stale)
                result: dict[str, Any] = self._client._request(
                    method, endpoint, data=data, params={**(params or {}), "access_token": token}
                )
                return result
            except WechatApiError:
                raise
            except WeChatException as exc:
                errcode = int(exc.errcode) if exc.errcode is not None else None
                if errcode in TOKEN_ERRCODES and attempt == 1:
                    stale = token
                    continue
                raise error_for(errcode, str(exc.errmsg)) from exc
            except requests.RequestException as exc:
                raise WechatRetryable("WeChat did not answer.") from exc
        raise AssertionError("unreachable")

    def _post(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        return self._call("post", endpoint, data=data)

    def user_unionid(self, *, openid: str) -> str:
        """The follower's unionid from `user/info` (empty unless the account is bound to the
        Open Platform)."""
        result = self._call("get", "user/info", params={"openid": openid, "lang": "zh_CN"})
        return str(result.get("unionid") or "")[:64]

    def qrcode_create(self, *, scene: str, permanent: bool, expire_seconds: int = 0) -> QrTicket:
        """A string-scene parametric code: `QR_LIMIT_STR_SCENE` or `QR_STR_SCENE`."""
        body: dict[str, Any] = {
            "action_name": "QR_LIMIT_STR_SCENE" if permanent else "QR_STR_SCENE",
            "action_info": {"scene": {"scene_str": scene}},
        }
        if not permanent:
            body["expire_seconds"] = expire_seconds
        result = self._post("qrcode/create", body)
        expires = result.get("expire_seconds")
        return QrTicket(
            ticket=str(result["ticket"]),
            url=str(result.get("url", "")),
            expire_seconds=int(expires) if expires is not None and not permanent else None,
        )

    def template_send(
        self, *, openid: str, template_id: str, data: dict[str, str], url: str = ""
    ) -> int:
        """Send a template message; returns WeChat's msgid (its TEMPLATESENDJOBFINISH key)."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {k: {"value": v} for k, v in data.items()},
        }
        if url:
            body["url"] = url
        return int(self._post("message/template/send", body).get("msgid", 0))

    def subscribe_send(
        self, *, openid: str, template_id: str, data: dict[str, str], page: str = ""
    ) -> str:
        """Send a subscription notice (订阅通知, `message/subscribe/bizsend`) to a user who
        accepted the template; returns WeChat's msgid when it gives one, else "". 43101 (the
        user refused or cancelled) is `WechatSubscriptionRefused`."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {k: {"value": v} for k, v in data.items()},
        }
        if page:
            body["page"] = page
        result = self._post("message/subscribe/bizsend", body)
        return str(result.get("msgid") or "")[:32]

    def custom_send_text(self, *, openid: str, text: str) -> None:
        """A customer-service text message (客服消息), inside the 48-hour window only."""
        self._post(
            "message/custom/send", {"touser": openid, "msgtype": "text", "text": {"content": text}}
        )

    # --- Membership cards (会员卡) -----------------------------------------------------------

    def card_code_decrypt(self, *, encrypt_code: str) -> str:
        """The card code behind the `encrypt_code` WeChat put on the activation URL."""
        return str(self._post("card/code/decrypt", {"encrypt_code": encrypt_code})["code"])[:64]

    def card_code_get(self, *, card_id: str, code: str) -> tuple[str, str]:
        """Who holds a card code and its state: (openid, user_card_status), from WeChat, so the
        openid is not taken from the URL."""
        result = self._post(
            "card/code/get", {"card_id": card_id, "code": code, "check_consume": False}
        )
        return str(result.get("openid") or "")[:64], str(result.get("user_card_status") or "")

    def card_member_activate(self, *, card_id: str, code: str, membership_number: str) -> None:
        """Activate a membership card (开卡) with our member code as its membership number."""
        self._post(
            "card/membercard/activate",
            {"card_id": card_id, "code": code, "membership_number": membership_number},
        )

    @staticmethod
    def qrcode_image_url(ticket: str) -> str:
        return str(WeChatClient.qrcode.get_url(ticket))
