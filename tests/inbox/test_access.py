import pytest
from django.test import Client
from django.urls import reverse

from omniloop.accounts.access import actor_for_user
from omniloop.accounts.models import Role
from omniloop.core.errors import NotFound, PermissionDenied
from omniloop.inbox.access import tickets_for_actor
from omniloop.inbox.models import TicketMessage
from omniloop.inbox.services import ticket_assign, ticket_reply
from tests.factories import make_user
from tests.inbox.world import make_world

pytestmark = pytest.mark.django_db


def test_store_staff_see_only_their_stores_tickets_and_hq_sees_all():
    w = make_world()
    assert list(tickets_for_actor(actor=w.a_manager)) == [w.a_ticket]
    assert list(tickets_for_actor(actor=w.a_assistant)) == [w.a_ticket]
    assert set(tickets_for_actor(actor=w.agent)) == {w.a_ticket, w.b_ticket}
    with pytest.raises(PermissionDenied):
        tickets_for_actor(actor=actor_for_user(make_user(Role.MARKETER)))


def test_store_staff_cannot_answer_another_stores_ticket_and_nothing_is_written():
    w = make_world()
    with pytest.raises(NotFound):
        ticket_reply(actor=w.a_manager, ticket_id=w.b_ticket.pk, body="hi")
    assert not TicketMessage.objects.filter(direction="out").exists()
    ticket_reply(actor=w.a_assistant, ticket_id=w.a_ticket.pk, body="我们来处理")
    assert TicketMessage.objects.filter(direction="out").count() == 1


def test_a_store_hands_a_ticket_to_hq_and_then_no_longer_sees_it():
    w = make_world()
    ticket_assign(actor=w.a_manager, ticket_id=w.a_ticket.pk, store_id=None)
    assert list(tickets_for_actor(actor=w.a_manager)) == []


def test_the_dashboard_answers_404_for_another_stores_ticket():
    w = make_world()
    client = Client()
    client.force_login(w.a_manager_user)
    own = client.get(reverse("dashboard:inbox_ticket", args=[w.a_ticket.pk]))
    other = client.get(reverse("dashboard:inbox_ticket", args=[w.b_ticket.pk]))
    assert (own.status_code, other.status_code) == (200, 404)
    queue = client.get(reverse("dashboard:inbox")).content.decode()
    assert w.a_ticket.number in queue and w.b_ticket.number not in queue
    r = client.post(reverse("dashboard:inbox_reply", args=[w.b_ticket.pk]), {"body": "x"})
    assert r.status_code == 404
    assert not TicketMessage.objects.filter(direction="out").exists()


def test_a_store_note_from_the_dashboard_is_the_stores_ticket_and_scoped_by_member():
    from omniloop.attribution.services import binding_touch
    from omniloop.inbox.models import Channel, Ticket
    from tests.factories import make_member

    w = make_world()
    ours, theirs = make_member(), make_member()
    binding_touch(member=ours, store_id=w.a_ticket.store_id, assistant_id=None, source="scan")
    binding_touch(member=theirs, store_id=w.b_ticket.store_id, assistant_id=None, source="scan")
    client = Client()
    client.force_login(w.a_manager_user)
    url = reverse("dashboard:inbox_new_note")
    r = client.post(url, {"body": "顾客说店员态度不好", "member": ours.code})
    ticket = Ticket.objects.get(channel=Channel.STORE_NOTE, member=ours)
    assert r.status_code == 302
    assert (ticket.assigned_store_id, ticket.category) == (w.a_ticket.store_id, "service")
    r = client.post(url, {"body": "another store's member", "member": theirs.code})
    assert r.status_code == 404
    assert not Ticket.objects.filter(member=theirs).exists()


def test_agents_keep_the_canned_replies_and_staff_pick_them():
    from omniloop.inbox.models import CannedReply

    w = make_world()
    client = Client()
    client.force_login(w.agent_user)
    url = reverse("dashboard:inbox_canned")
    r = client.post(url, {"title": "换码", "body": "任一门店都可换码", "category": "size"})
    assert r.status_code == 302
    reply = CannedReply.objects.get(title="换码")
    assert (reply.category, reply.active) == ("size", True)
    assert client.post(url, {"title": "", "body": "x"}).status_code == 422
    client.post(reverse("dashboard:inbox_canned_toggle", args=[reply.pk]), {"active": "0"})
    reply.refresh_from_db()
    assert not reply.active
    manager = Client()
    manager.force_login(w.a_manager_user)
    assert manager.get(url).status_code == 403
