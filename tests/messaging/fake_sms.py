"""A local fake of an Aliyun-style SMS gateway (http.server in a thread). It checks each
request's HMAC-SHA1 signature, timestamp and nonce as the real one does, dedupes by `OutId`
(a resend with a known reference gets the first answer back and sends nothing), and can be told
to answer error codes (`fail`)."""

from __future__ import annotations

import socket
import sys
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from omniloop.messaging.sms_http import sign

KEY_ID = "LTAI-test-key"
KEY_SECRET = "fake-sms-secret"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A worker killed with SIGKILL drops its kept-alive connection: expected, not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class FakeSmsGateway:
    delivered: list[dict[str, str]] = field(default_factory=list)  # one per real SMS
    by_reference: dict[str, str] = field(default_factory=dict)  # OutId -> BizId
    requests: Counter[str] = field(default_factory=Counter)  # OutId -> requests seen
    nonces: set[str] = field(default_factory=set)
    total_requests: int = 0
    refused: list[str] = field(default_factory=list)
    _errors: deque[str] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    url: str = ""

    def fail(self, code: str, times: int = 1) -> None:
        self._errors.extend([code] * times)

    def answer(self, params: dict[str, str]) -> dict[str, Any]:
        given = params.pop("Signature", "")
        if params.get("AccessKeyId") != KEY_ID or sign(params, secret=KEY_SECRET) != given:
            self.refused.append("signature")
            return {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}
        stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs((datetime.now(UTC) - stamp).total_seconds()) > 900:
            self.refused.append("timestamp")
            return {"Code": "InvalidTimeStamp.Expired", "Message": "stale"}
        with self._lock:
            self.total_requests += 1
            if params["SignatureNonce"] in self.nonces:
                self.refused.append("nonce")
                return {"Code": "SignatureNonceUsed", "Message": "replay"}
            self.nonces.add(params["SignatureNonce"])
            if self._errors:
                code = self._errors.popleft()
                return {"Code": code, "Message": f"fake {code}"}
            ref = params.get("OutId", "")
            if ref:
                self.requests[ref] += 1
                if ref in self.by_reference:
                    return {"Code": "OK", "BizId": self.by_reference[ref], "Message": "OK"}
            biz = f"biz{len(self.delivered) + 1:08d}"
            self.delivered.append(params)
            if ref:
                self.by_reference[ref] = biz
            return {"Code": "OK", "BizId": biz, "RequestId": biz, "Message": "OK"}

    def start(self) -> FakeSmsGateway:
        import json

        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real gateway

            def setup(self) -> None:
                super().setup()
                # Headers and body leave in two writes: without this, Nagle's algorithm and
                # the client's delayed ACK add 40 ms to every kept-alive request.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                data = json.dumps(fake.answer(query)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
