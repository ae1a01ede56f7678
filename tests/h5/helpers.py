"""Reading H5 pages the way a shopper (or a browser test) would: by data-testid."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.test import Client

from omniloop.core.phones import parse_phone
from omniloop.h5.session import MEMBER_KEY
from omniloop.members.models import Member
from omniloop.members.services import otp_issue


class _TestIdText(HTMLParser):
    VOID = {"input", "img", "br", "meta", "link", "hr", "source"}

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid = testid
        self.depth = 0
        self.parts: list[str] = []
        self.found: list[str] = []
        self.attrs_found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            if dict(attrs).get("data-testid") == self.testid:
                self.attrs_found.append(dict(attrs))
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("data-testid") == self.testid:
            self.attrs_found.append(dict(attrs))
            self.depth = 1
            self.parts = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or not self.depth:
            return
        self.depth -= 1
        if not self.depth:
            self.found.append(" ".join(" ".join(self.parts).split()))

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def all_by_testid(html: str | bytes, testid: str) -> list[str]:
    parser = _TestIdText(testid)
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return parser.found


def by_testid(html: str | bytes, testid: str) -> str:
    found = all_by_testid(html, testid)
    assert found, f"no element with data-testid={testid!r}"
    return found[0]


def attrs_by_testid(html: str | bytes, testid: str) -> dict[str, str | None]:
    parser = _TestIdText(testid)
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    assert parser.attrs_found, f"no element with data-testid={testid!r}"
    return parser.attrs_found[0]


def as_member(client: Client, member: Member) -> Client:
    """`client` as the browser `member` has joined (or logged in) on."""
    session = client.session
    session[MEMBER_KEY] = member.pk
    session.save()
    return client


def in_english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def code_from(sms_outbox: list) -> str:
    match = re.search(r"\b(\d{6})\b", sms_outbox[-1].text)
    assert match, sms_outbox[-1].text
    return match.group(1)


def fresh_code(phone: str) -> str:
    """A new one-time code without going through the SMS rate limit (1 a minute per phone)."""
    return otp_issue(phone=parse_phone(phone))


def join(client: Client, phone: str, code: str, **extra: str):
    data = {"phone": phone, "code": code, "terms": "on", **extra}
    return client.post("/m/join", data)
