"""E-mail through Django's SMTP backend to a local aiosmtpd server; unsubscribe and opens."""

from __future__ import annotations

import email
import re
import socket
from email.message import Message as MimeMessage

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from freezegun import freeze_time

from omniloop.members.selectors import member_consents
from omniloop.messaging.delivery import deliver_batch
from omniloop.messaging.models import Message, MessageEvent
from omniloop.messaging.outbox import message_enqueue
from omniloop.messaging.services import messaging_profile_set
from tests.messaging.conftest import NOON, member_with

pytestmark = pytest.mark.django_db

PROMO = {"brand": "Omni", "title": "Spring", "body": "20% off"}


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], MimeMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.original_content))
        )
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check needs a real one)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.OMNILOOP_MESSAGING_EMAIL_FROM = "shop@omniloop.test"
    yield inbox
    controller.stop()


def _text(mail: MimeMessage) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def test_marketing_email_is_delivered_over_smtp_and_its_link_unsubscribes(client, smtp):
    with freeze_time(NOON):
        member = member_with(consents=("email",))
        messaging_profile_set(member=member, email="li.lei@example.com", language="en")
        msg = message_enqueue(member_id=member.pk, template="promotion", context=PROMO)
        message_enqueue(member_id=member.pk, template="promotion", context=PROMO)
        assert dict(deliver_batch(size=1).counts) == {"sent": 1}
    [(rcpt, mail)] = smtp.received
    assert rcpt == ["li.lei@example.com"]
    assert mail["Subject"] == "Omni: Spring"
    assert mail["Message-ID"] == f"<{msg.uid.hex}@omniloop.local>"
    link = re.search(r"<(http[^>]+)>", mail["List-Unsubscribe"]).group(1)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "[Omni] Spring: 20% off" in _text(mail) and link in _text(mail)
    path = link.removeprefix("http://127.0.0.1:8000")
    # Opening the link only asks (mail scanners follow links); the POST withdraws consent.
    assert client.get(path).status_code == 200
    assert {c.channel: c.granted for c in member_consents(member=member)}["email"] is True
    assert client.post(path).status_code == 200
    assert {c.channel: c.granted for c in member_consents(member=member)}["email"] is False
    assert client.post(path.replace("/u/", "/u/x")).status_code == 404
    with freeze_time(NOON):
        deliver_batch()
    assert list(Message.objects.order_by("id").values_list("status", "reason")) == [
        ("sent", ""),
        ("suppressed", "no_consent"),
    ]
    assert len(smtp.received) == 1


def test_the_open_pixel_records_an_open(client, smtp):
    with freeze_time(NOON):
        member = member_with(consents=("email",))
        messaging_profile_set(member=member, email="han.mei@example.com")
        message_enqueue(member_id=member.pk, template="promotion", context=PROMO)
        deliver_batch()
    [(_, mail)] = smtp.received
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html")
    pixel = re.search(r'<img src="([^"]+)"', html.get_payload(decode=True).decode()).group(1)
    response = client.get(pixel.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert list(MessageEvent.objects.values_list("kind", flat=True)) == ["opened"]
    assert (
        reverse("messaging:open", args=["forged"])
        and client.get(reverse("messaging:open", args=["forged"])).status_code == 200
    )
    assert MessageEvent.objects.count() == 1


def test_an_smtp_outage_is_retried(settings, smtp):
    settings.EMAIL_PORT = 9
    with freeze_time(NOON):
        member = member_with(consents=("email",))
        messaging_profile_set(member=member, email="x@example.com")
        message_enqueue(member_id=member.pk, template="promotion", context=PROMO)
        assert dict(deliver_batch().counts) == {"retry": 1}
    row = Message.objects.get()
    assert row.status == "queued" and row.last_error.startswith("email_unavailable")
