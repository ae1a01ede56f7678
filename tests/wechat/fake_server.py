"""A local fake of WeChat's API (http.server in a thread): token, qrcode/create,
message/template/send, message/subscribe/bizsend, message/custom/send, user/info (with the
unionids it is given) and the
membership-card calls card/code/decrypt, card/code/get and card/membercard/activate (with the
cards it is given, `card_give`).
Tokens expire when told (`expire_token`) and any endpoint can be told to answer error codes
(`fail`)."""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Call:
    path: str
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeWechat:
    app_id: str
    secret: str
    calls: list[Call] = field(default_factory=list)
    tokens_issued: int = 0
    unionids: dict[str, str] = field(default_factory=dict)  # openid -> unionid (user/info)
    # Membership cards: encrypt_code -> code, code -> (card_id, openid), code -> membership no.
    card_codes: dict[str, str] = field(default_factory=dict)
    card_holders: dict[str, tuple[str, str]] = field(default_factory=dict)
    card_activated: dict[str, str] = field(default_factory=dict)
    # bizsend (subscription notices): whether the answer carries a msgid (WeChat's documented
    # answer has none; some accounts see one).
    sub_msgid: bool = False
    _errors: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _n: int = 0
    _previous: str = ""
    url: str = ""
    server: ThreadingHTTPServer | None = None

    # --- steering -------------------------------------------------------------------------
    def fail(self, path: str, errcode: int, times: int = 1) -> None:
        """The next `times` calls to `path` (e.g. "message/custom/send") answer `errcode`."""
        self._errors[path].extend([errcode] * times)

    def card_give(self, *, card_id: str, code: str, openid: str, encrypt_code: str) -> None:
        """A user took a membership card into their card bag; WeChat will put `encrypt_code`
        on the activation URL."""
        self.card_codes[encrypt_code] = code
        self.card_holders[code] = (card_id, openid)

    def expire_token(self) -> None:
        """WeChat forgets the current token (and the previous): the next call gets 40001."""
        with self._lock:
            self.tokens_issued += 1000
            self._previous = ""

    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == f"/cgi-bin/{path}"]

    @property
    def current_token(self) -> str:
        return f"TOKEN-{self.tokens_issued}"

    # --- answers --------------------------------------------------------------------------
    def answer(self, path: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.calls.append(Call(path, query, body))
            self._n += 1
            n = self._n
            if path == "/cgi-bin/token":
                if query.get("appid") != self.app_id or query.get("secret") != self.secret:
                    return {"errcode": 40125, "errmsg": "invalid appsecret"}
                # As WeChat does, the token just replaced stays valid a while (5 minutes
                # there; here until the next one).
                self._previous = self.current_token
                self.tokens_issued += 1
                return {"access_token": self.current_token, "expires_in": 7200}
            if query.get("access_token") not in (self.current_token, self._previous or None):
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
            endpoint = path.removeprefix("/cgi-bin/")
            if self._errors[endpoint]:
                code = self._errors[endpoint].popleft()
                return {"errcode": code, "errmsg": f"fake error {code}"}
        if endpoint == "qrcode/create":
            scene = body["action_info"]["scene"]["scene_str"]
            out: dict[str, Any] = {
                "ticket": f"gQ{n:06d}{scene}",
                "url": f"http://weixin.qq.com/q/{n}",
            }
            if body["action_name"] in ("QR_SCENE", "QR_STR_SCENE"):
                out["expire_seconds"] = body.get("expire_seconds", 60)
            return out
        if endpoint == "message/template/send":
            return {"errcode": 0, "errmsg": "ok", "msgid": 200000 + n}
        if endpoint == "user/info":
            info: dict[str, Any] = {"subscribe": 1, "openid": query.get("openid", "")}
            if query.get("openid") in self.unionids:
                info["unionid"] = self.unionids[query["openid"]]
            return info
        if endpoint == "message/subscribe/bizsend":
            if not body.get("touser") or not body.get("template_id"):
                return {"errcode": 47003, "errmsg": "argument invalid!"}
            if not isinstance(body.get("data"), dict) or not all(
                isinstance(v, dict) and "value" in v for v in body["data"].values()
            ):
                return {"errcode": 47003, "errmsg": "argument invalid! data.value empty"}
            sent: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
            if self.sub_msgid:
                sent["msgid"] = 3_000_000 + n
            return sent
        if endpoint == "message/custom/send":
            return {"errcode": 0, "errmsg": "ok"}
        if endpoint == "card/code/decrypt":
            code = self.card_codes.get(body.get("encrypt_code", ""))
            if code is None:
                return {"errcode": 40056, "errmsg": "invalid serial code"}
            return {"errcode": 0, "errmsg": "ok", "code": code}
        if endpoint == "card/code/get":
            holder = self.card_holders.get(body.get("code", ""))
            if holder is None or holder[0] != body.get("card_id"):
                return {"errcode": 40056, "errmsg": "invalid serial code"}
            status = "NORMAL" if body["code"] in self.card_activated else "NOT_ACTIVATED"
            return {
                "errcode": 0,
                "errmsg": "ok",
                "openid": holder[1],
                "card": {"card_id": holder[0]},
                "user_card_status": status,
            }
        if endpoint == "card/membercard/activate":
            holder = self.card_holders.get(body.get("code", ""))
            if holder is None or holder[0] != body.get("card_id"):
                return {"errcode": 40056, "errmsg": "invalid serial code"}
            if not body.get("membership_number"):
                return {"errcode": 47001, "errmsg": "data format error"}
            self.card_activated[body["code"]] = body["membership_number"]
            return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 40004, "errmsg": f"unknown endpoint {endpoint}"}

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> FakeWechat:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                parsed = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                data = json.dumps(fake.answer(parsed.path, query, body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _reply
            do_POST = _reply

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
