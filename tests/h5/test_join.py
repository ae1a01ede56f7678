from __future__ import annotations

import pytest
from django.test import Client

from omniloop.accounts.models import Role
from omniloop.attribution.selectors import binding_for
from omniloop.core.phones import parse_phone
from omniloop.loyalty.selectors import points_balance
from omniloop.members.models import IdentityKind, Member, OtpChallenge
from omniloop.members.selectors import member_by_phone, member_consents
from omniloop.touchpoints.models import ScanEvent, Visitor
from tests.factories import make_store, make_touchpoint, make_user
from tests.h5.helpers import by_testid, code_from, fresh_code, join

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def card_scene():
    store = make_store(name="静安嘉里中心店", name_en="Jing'an Kerry Centre")
    assistant = make_user(Role.ASSISTANT, store=store)
    assistant.display_name = "Lily Wang"
    assistant.save(update_fields=["display_name"])
    return make_touchpoint("assistant_card", store=store, assistant=assistant)


def test_full_join_from_an_assistant_card(client: Client, sms_outbox: list, card_scene) -> None:
    landing = client.get(f"/s/{card_scene.scene}")
    assert client.get(landing.url).status_code == 200

    sent = client.post("/m/join/otp", {"phone": "138 1234 5678"}, HTTP_HX_REQUEST="true")
    assert sent.status_code == 200
    assert "138****5678" in by_testid(sent.content, "otp-status")
    assert len(sms_outbox) == 1

    response = join(
        client, PHONE, code_from(sms_outbox), name="Mei", consent_sms="on", consent_wechat="on"
    )
    assert response.status_code == 302
    assert response.url == "/m/card"

    member = Member.objects.get()
    assert member.name == "Mei"
    assert member.identities.get().kind == IdentityKind.PHONE
    assert member_by_phone(phone=parse_phone(PHONE)) == member
    consents = {c.channel: c.granted for c in member_consents(member=member)}
    assert consents == {"sms": True, "wechat": True, "email": False}
    binding = binding_for(member=member)
    assert binding is not None
    assert binding.store_id == card_scene.store_id
    assert binding.assistant_id == card_scene.assistant_id
    assert points_balance(member_id=member.pk) == 100
    # The anonymous scan before joining now belongs to the member.
    assert ScanEvent.objects.get().member_id == member.pk
    assert Visitor.objects.get().member_id == member.pk

    card = client.get("/m/card")
    assert card.status_code == 200
    assert by_testid(card.content, "member-code") == member.code
    assert "100" in by_testid(card.content, "welcome")
    assert by_testid(card.content, "points") == "100"
    assert by_testid(card.content, "bound-store") == "静安嘉里中心店"
    assert by_testid(card.content, "bound-assistant") == "Lily Wang"
    assert b"<svg" in card.content
    # The welcome banner is shown once.
    assert b'data-testid="welcome"' not in client.get("/m/card").content


def test_join_cycles_the_session_key(client: Client, sms_outbox: list) -> None:
    client.get("/m/join")
    client.post("/m/join/otp", {"phone": PHONE})
    client.session.save()
    before = client.session.session_key
    join(client, PHONE, code_from(sms_outbox))
    assert client.session.session_key != before
    assert client.session["h5_member_id"] == Member.objects.get().pk


def test_wrong_code_is_422_and_creates_nothing(client: Client, sms_outbox: list) -> None:
    client.post("/m/join/otp", {"phone": PHONE})
    wrong = "000000" if code_from(sms_outbox) != "000000" else "111111"
    response = join(client, PHONE, wrong, consent_sms="on")
    assert response.status_code == 422
    assert by_testid(response.content, "error-code") == "otp_invalid"
    assert Member.objects.count() == 0
    # The form keeps what was typed, but not the code, and ticked boxes stay ticked.
    assert f'value="{PHONE}"'.encode() in response.content
    assert b'data-testid="consent-sms" checked' in response.content
    assert b'data-testid="consent-email" checked' not in response.content


def test_malformed_phone_is_422_and_writes_no_challenge(client: Client, sms_outbox: list) -> None:
    response = client.post("/m/join/otp", {"phone": "12345"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert by_testid(response.content, "error-code") == "phone_invalid"
    assert OtpChallenge.objects.count() == 0
    assert sms_outbox == []


def test_second_code_within_a_minute_is_429_with_retry_after(client: Client) -> None:
    assert client.post("/m/join/otp", {"phone": PHONE}).status_code == 200
    response = client.post("/m/join/otp", {"phone": PHONE})
    assert response.status_code == 429
    assert by_testid(response.content, "error-code") == "otp_rate_limited_phone"
    assert 0 < int(response["Retry-After"]) <= 60


def test_terms_missing_is_400(client: Client, sms_outbox: list) -> None:
    client.post("/m/join/otp", {"phone": PHONE})
    response = client.post("/m/join", {"phone": PHONE, "code": code_from(sms_outbox)})
    assert response.status_code == 400
    assert by_testid(response.content, "error-code") == "terms_required"
    assert Member.objects.count() == 0


def test_join_form_has_explicit_unticked_consents(client: Client) -> None:
    html = client.get("/m/join").content
    for testid in (
        "phone",
        "code",
        "send-code",
        "consent-sms",
        "consent-wechat",
        "consent-email",
        "terms",
        "join-submit",
        "otp-status",
    ):
        assert f'data-testid="{testid}"'.encode() in html
    assert b"checked" not in html


def test_second_join_with_the_same_phone_logs_in(
    client: Client, sms_outbox: list, card_scene
) -> None:
    client.get(f"/s/{card_scene.scene}")
    client.post("/m/join/otp", {"phone": PHONE})
    join(client, PHONE, code_from(sms_outbox))
    member = Member.objects.get()
    client.post("/m/logout")
    assert client.get("/m/card").url == "/m/join"

    other = Client()
    response = join(other, PHONE, fresh_code(PHONE))
    assert response.status_code == 302
    assert Member.objects.count() == 1
    assert points_balance(member_id=member.pk) == 100
    card = other.get("/m/card")
    assert by_testid(card.content, "member-code") == member.code
    assert b'data-testid="welcome-back"' in card.content


def test_card_requires_a_member(client: Client) -> None:
    response = client.get("/m/card")
    assert response.status_code == 302
    assert response.url == "/m/join"


def test_logged_in_member_scanning_links_the_visitor(client: Client, card_scene) -> None:
    join(client, PHONE, fresh_code(PHONE))
    member = Member.objects.get()
    assert client.get("/m/join").url == "/m/card"
    client.get(f"/s/{card_scene.scene}")
    scan = ScanEvent.objects.get()
    assert scan.member_id == member.pk
    assert scan.visitor.member_id == member.pk


def test_csrf_token_reaches_htmx_requests() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/m/join")
    token = client.cookies["csrftoken"].value
    assert b'hx-headers=\'{"X-CSRFToken": "' in page.content
    assert client.post("/m/join/otp", {"phone": PHONE}).status_code == 403
    response = client.post(
        "/m/join/otp", {"phone": PHONE}, HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
