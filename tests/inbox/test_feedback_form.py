"""The member's feedback form in the H5 pages: photos checked by their bytes and size,
kept where no URL serves them, shown to staff who may open the ticket; a rating on close."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from omniloop.accounts.access import actor_for_user
from omniloop.accounts.models import Role
from omniloop.inbox.models import Category, Channel, Status, Ticket, TicketPhoto
from omniloop.inbox.photos import MAX_BYTES
from omniloop.inbox.services import ticket_resolve
from tests.factories import make_member, make_store, make_user
from tests.h5.helpers import as_member
from tests.inbox.helpers import follower_member

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _post(browser, photos, body="衬衫洗后缩水严重", **extra):
    return browser.post(
        reverse("h5:feedback"), {"body": body, "category": "", "photos": photos, **extra}
    )


def test_feedback_with_photos_files_a_ticket_with_private_photos(settings):
    store = make_store("sh01")
    member = follower_member("o-form", store)
    browser = as_member(Client(), member)
    r = _post(
        browser,
        [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.txt", JPEG, "text/plain")],
    )
    assert r.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.category, ticket.member_id, ticket.assigned_store_id) == (
        Channel.H5_FORM,
        Category.QUALITY,
        member.pk,
        store.pk,
    )
    photos = list(TicketPhoto.objects.order_by("pk"))
    assert [p.content_type for p in photos] == ["image/png", "image/jpeg"]  # by bytes, not name
    root = settings.OMNILOOP_PRIVATE_MEDIA_ROOT
    assert (root / photos[0].path).read_bytes() == PNG
    assert not str(root).startswith(str(settings.MEDIA_ROOT))
    page = browser.get(reverse("h5:feedback")).content.decode()
    assert ticket.number in page

    # Staff of the store see the photo; another store's staff get 404; members get the login.
    own = Client()
    own.force_login(make_user(Role.ASSISTANT, store))
    r = own.get(reverse("dashboard:inbox_photo", args=[photos[0].pk]))
    assert (r.status_code, r["Content-Type"], r.content) == (200, "image/png", PNG)
    other = Client()
    other.force_login(make_user(Role.ASSISTANT, make_store("bj01")))
    assert other.get(reverse("dashboard:inbox_photo", args=[photos[0].pk])).status_code == 404
    assert browser.get(reverse("dashboard:inbox_photo", args=[photos[0].pk])).status_code == 302


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("x.png", b"GIF89a" + b"\x00" * 20, "image/png"), "photo_type_invalid"),
        (SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\x00" * MAX_BYTES), "photo_too_large"),
    ],
)
def test_a_bad_photo_is_refused_and_nothing_is_written(upload, code):
    browser = as_member(Client(), make_member())
    r = _post(browser, [upload])
    assert r.status_code == 422
    assert not Ticket.objects.exists()
    assert not TicketPhoto.objects.exists()


def test_four_photos_are_too_many():
    browser = as_member(Client(), make_member())
    r = _post(browser, [SimpleUploadedFile(f"{i}.png", PNG) for i in range(4)])
    assert r.status_code == 422
    assert not Ticket.objects.exists()


def test_the_member_rates_a_resolved_ticket_once():
    member = make_member()
    browser = as_member(Client(), member)
    _post(browser, [], body="尺码偏大")
    ticket = Ticket.objects.get()
    url = reverse("h5:feedback_rate", args=[ticket.pk])
    browser.post(url, {"score": "5"})
    ticket.refresh_from_db()
    assert ticket.satisfaction is None  # not resolved yet
    ticket_resolve(actor=actor_for_user(make_user(Role.CS_AGENT)), ticket_id=ticket.pk)
    browser.post(url, {"score": "4", "comment": "很快"})
    browser.post(url, {"score": "1"})
    ticket.refresh_from_db()
    assert (ticket.satisfaction, ticket.satisfaction_comment, ticket.status) == (
        4,
        "很快",
        Status.CLOSED,
    )
    stranger = as_member(Client(), make_member())
    assert stranger.post(url, {"score": "1"}).status_code == 404


def test_a_sixth_form_in_an_hour_is_refused():
    browser = as_member(Client(), make_member())
    for i in range(5):
        assert _post(browser, [], body=f"第{i}次：尺码偏小").status_code == 302
    r = _post(browser, [], body="还是尺码问题")
    assert r.status_code == 429
    assert Ticket.objects.count() == 5


def test_the_dashboard_approves_a_pending_remedy_and_the_coupon_lands():
    from omniloop.inbox.models import Remedy
    from omniloop.inbox.remedies import RemedyRequest, remedy_request
    from omniloop.promotions.models import Coupon
    from tests.inbox.helpers import compensation_template
    from tests.inbox.world import make_world

    w = make_world()
    remedy = remedy_request(
        actor=w.a_manager,
        ticket_id=w.a_ticket.pk,
        request=RemedyRequest(kind="coupon", coupon_template_id=compensation_template(8000).pk),
    )
    agent = Client()
    agent.force_login(w.agent_user)
    queue = agent.get(reverse("dashboard:inbox")).content.decode()
    assert 'data-testid="pending-remedies"' in queue
    r = agent.post(
        reverse("dashboard:inbox_remedy_decide", args=[remedy.pk]), {"decision": "approve"}
    )
    assert r.status_code == 302
    remedy.refresh_from_db()
    assert remedy.state == Remedy.State.GRANTED
    assert Coupon.objects.get().member_id == w.a_ticket.member_id


def test_hq_sets_the_service_targets_on_the_dashboard():
    from omniloop.inbox.targets import service_policy

    admin = Client()
    admin.force_login(make_user(Role.HQ_ADMIN))
    url = reverse("dashboard:inbox_policy")
    form = {
        "urgent_first_minutes": "3",
        "high_first_minutes": "10",
        "normal_first_minutes": "30",
        "low_first_minutes": "120",
        "urgent_resolve_hours": "2",
        "high_resolve_hours": "6",
        "normal_resolve_hours": "12",
        "low_resolve_hours": "48",
        "escalate_at_percent": "80",
        "opens_at": "10:00",
        "closes_at": "22:00",
        "weekdays": ["1", "2", "3", "4", "5"],
    }
    assert admin.post(url, form).status_code == 302
    policy = service_policy()
    assert (policy.urgent_first_minutes, policy.weekdays, str(policy.opens_at)) == (
        3,
        "12345",
        "10:00:00",
    )
    assert admin.post(url, {**form, "opens_at": "23:00"}).status_code == 422
    assert service_policy().opens_at.hour == 10
