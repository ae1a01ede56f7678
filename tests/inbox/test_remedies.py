import pytest

from omniloop.core.errors import Conflict, NotFound, PermissionDenied
from omniloop.inbox.models import Remedy
from omniloop.inbox.remedies import RemedyRequest, remedy_approve, remedy_request
from omniloop.loyalty.selectors import points_balance
from omniloop.promotions.models import Coupon
from tests.inbox.helpers import compensation_template
from tests.inbox.world import make_world

pytestmark = pytest.mark.django_db


def _coupon(template):
    return RemedyRequest(kind="coupon", coupon_template_id=template.pk)


def test_within_the_limit_the_coupon_lands_in_the_wallet_at_once():
    w = make_world()
    template = compensation_template(3000)  # a store manager may give ¥30
    remedy = remedy_request(actor=w.a_manager, ticket_id=w.a_ticket.pk, request=_coupon(template))
    assert remedy.state == Remedy.State.GRANTED
    coupon = Coupon.objects.get()
    assert (coupon.member_id, coupon.template_id, coupon.source) == (
        w.a_ticket.member_id,
        template.pk,
        "compensation",
    )
    assert remedy.coupon_id == coupon.pk


def test_above_the_limit_it_waits_for_a_higher_role_whose_limit_covers_it():
    w = make_world()
    template = compensation_template(5000)  # ¥50: above a store manager's ¥30
    remedy = remedy_request(actor=w.a_manager, ticket_id=w.a_ticket.pk, request=_coupon(template))
    assert remedy.state == Remedy.State.PENDING
    assert not Coupon.objects.exists()
    with pytest.raises(NotFound):  # another store's manager does not even see it
        remedy_approve(actor=w.b_manager, remedy_id=remedy.pk)
    with pytest.raises(PermissionDenied) as exc:  # nor may the asker approve their own
        remedy_approve(actor=w.a_manager, remedy_id=remedy.pk)
    assert exc.value.code == "remedy_own"
    with pytest.raises(PermissionDenied) as exc:  # nor a lower role
        remedy_approve(actor=w.a_assistant, remedy_id=remedy.pk)
    assert exc.value.code == "remedy_rank"
    assert not Coupon.objects.exists()
    remedy_approve(actor=w.agent, remedy_id=remedy.pk)
    remedy.refresh_from_db()
    assert (remedy.state, remedy.decided_by_id) == (Remedy.State.GRANTED, w.agent.user_id)
    assert Coupon.objects.get().member_id == w.a_ticket.member_id


def test_an_assistant_has_no_limit_of_its_own_and_an_agent_cannot_exceed_theirs():
    w = make_world()
    remedy = remedy_request(
        actor=w.a_assistant,
        ticket_id=w.a_ticket.pk,
        request=RemedyRequest(kind="points", points=100),
    )
    assert remedy.state == Remedy.State.PENDING
    assert points_balance(member_id=w.a_ticket.member_id) == 0
    big = compensation_template(20000)  # ¥200: above an agent's ¥100
    pending = remedy_request(actor=w.agent, ticket_id=w.a_ticket.pk, request=_coupon(big))
    assert pending.state == Remedy.State.PENDING
    with pytest.raises(PermissionDenied) as exc:
        remedy_approve(actor=w.agent, remedy_id=pending.pk)
    assert exc.value.code == "remedy_own"
    remedy_approve(actor=w.admin, remedy_id=pending.pk)
    remedy_approve(actor=w.a_manager, remedy_id=remedy.pk)  # 100 points = ¥1, within ¥30
    assert points_balance(member_id=w.a_ticket.member_id) == 100
    assert Coupon.objects.count() == 1


def test_an_approved_remedy_is_not_granted_twice():
    w = make_world()
    template = compensation_template(5000)
    remedy = remedy_request(actor=w.a_manager, ticket_id=w.a_ticket.pk, request=_coupon(template))
    remedy_approve(actor=w.agent, remedy_id=remedy.pk)
    with pytest.raises(Conflict):
        remedy_approve(actor=w.admin, remedy_id=remedy.pk)
    assert Coupon.objects.count() == 1
