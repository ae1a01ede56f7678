"""The message log on the dashboard's member page: what was sent, how, and what came of it;
no address beyond the masked ones, for store staff too."""

from __future__ import annotations

import pytest
from django.urls import reverse
from freezegun import freeze_time

from omniloop.members.services import consent_record
from omniloop.messaging.delivery import deliver_batch
from omniloop.messaging.outbox import message_enqueue
from omniloop.messaging.services import messaging_profile_set
from tests.dashboard.conftest import login
from tests.messaging.conftest import NOON

pytestmark = pytest.mark.django_db


def test_store_staff_see_the_message_log_with_masked_addresses_in_their_language(
    client, world, sms_outbox
):
    member = world.member_a
    messaging_profile_set(member=member, email="zhang.san@example.com")
    with freeze_time(NOON):
        consent_record(member=member, channel="sms", granted=True, source="test")
        message_enqueue(
            member_id=member.pk,
            template="promotion",
            context={"brand": "B", "title": "t", "body": "b"},
        )
        message_enqueue(
            member_id=member.pk,
            template="notice",
            context={"brand": "B", "body": "x"},
            channel="email",
        )
        consent_record(member=member, channel="sms", granted=False, source="test")
        deliver_batch()
    login(client, world.assistant_a)
    url = reverse("dashboard:member_detail", args=[member.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    log = html[html.index('data-testid="message-log"') :]
    log = log[: log.index("</table>")]
    assert "promotion" in log and "Not sent" in log and "no consent" in log
    assert "notice" in log and "E-mail" in log and "Sent" in log
    assert "z***@example.com" in html
    assert "zhang.san@example.com" not in html and "13800138001" not in html
    client.cookies["django_language"] = "zh-hans"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "消息" in html and "未发送" in html


def test_another_stores_member_log_is_not_shown(client, world):
    login(client, world.assistant_a)
    response = client.get(reverse("dashboard:member_detail", args=[world.member_b.pk]))
    assert response.status_code == 404


def test_customer_service_sets_the_email_and_language_and_store_staff_cannot(client, world):
    from omniloop.audit.models import AuditEvent
    from omniloop.messaging.models import MessagingProfile

    url = reverse("dashboard:member_messaging", args=[world.member_a.pk])
    login(client, world.assistant_a)
    assert client.post(url, {"email": "a@example.com"}).status_code == 403
    assert not MessagingProfile.objects.exists()
    login(client, world.cs)
    html = client.get(reverse("dashboard:member_detail", args=[world.member_a.pk])).content
    assert url.encode() in html
    response = client.post(url, {"email": "zhang@example.com", "language": "en"})
    assert response.status_code == 302
    profile = MessagingProfile.objects.get(member=world.member_a)
    assert (profile.language, profile.email_masked) == ("en", "z***@example.com")
    client.post(url, {"email": "", "language": "zh-hans"})  # an empty field keeps the address
    profile.refresh_from_db()
    assert (profile.language, profile.email_masked) == ("zh-hans", "z***@example.com")
    client.post(url, {"remove_email": "1"})
    profile.refresh_from_db()
    assert (profile.email_cipher, profile.email_masked) == (None, "")
    assert client.post(url, {"email": "not-an-address"}).status_code == 422
    events = AuditEvent.objects.filter(action="member.messaging_profile")
    assert events.count() == 3 and "example.com" not in str(list(events.values()))
