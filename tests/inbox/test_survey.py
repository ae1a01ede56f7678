"""The short survey after an order or pickup: low ratings and recognised complaints become
tickets linked to the member, order, store and product; happy ratings are only kept."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from omniloop.core.errors import Conflict, ValidationFailed
from omniloop.inbox.models import Category, Channel, Priority, SurveyResponse, Ticket
from omniloop.inbox.survey import survey_submit
from omniloop.orders.models import Order, OrderLine
from tests.factories import make_member, make_product, make_store
from tests.h5.helpers import as_member
from tests.promotions.coupon_helpers import make_order

pytestmark = pytest.mark.django_db


def _order(member, status="completed"):
    store = make_store()
    order = make_order(member_id=member.pk)
    product = make_product()
    OrderLine.objects.create(
        order=order,
        sku=product.skus.first(),
        quantity=1,
        unit_price=Decimal("399.00"),
        amount=Decimal("399.00"),
    )
    Order.objects.filter(pk=order.pk).update(status=status, store=store)
    order.refresh_from_db()
    return order, product, store


def test_a_low_rating_with_a_product_becomes_a_linked_review_ticket():
    member = make_member()
    order, product, store = _order(member)
    response = survey_submit(
        member=member,
        order_number=order.number,
        rating=1,
        comment="穿了一次就起球",
        product_id=product.pk,
    )
    ticket = Ticket.objects.get()
    assert response.ticket_id == ticket.pk
    assert (ticket.channel, ticket.category, ticket.priority) == (
        Channel.REVIEW,
        Category.QUALITY,
        Priority.HIGH,
    )
    assert (ticket.member_id, ticket.order_id, ticket.store_id, ticket.product_id) == (
        member.pk,
        order.pk,
        store.pk,
        product.pk,
    )
    with pytest.raises(Conflict):
        survey_submit(member=member, order_number=order.number, rating=5)
    assert SurveyResponse.objects.count() == 1


def test_a_happy_rating_files_no_ticket_and_an_early_or_foreign_one_is_refused():
    member = make_member()
    order, _, _ = _order(member)
    survey_submit(member=member, order_number=order.number, rating=5, comment="很好看")
    assert not Ticket.objects.exists()
    paid, _, _ = _order(make_member(), status="paid")
    with pytest.raises(Conflict):
        survey_submit(member=paid.member, order_number=paid.number, rating=1)
    with pytest.raises(ValidationFailed):
        survey_submit(member=member, order_number=order.number, rating=0)


def test_the_h5_survey_page():
    member = make_member()
    order, _, _ = _order(member)
    browser = as_member(Client(), member)
    page = browser.get(reverse("h5:order", args=[order.number])).content.decode()
    assert reverse("h5:order_survey", args=[order.number]) in page
    r = browser.post(
        reverse("h5:order_survey", args=[order.number]), {"rating": "2", "comment": ""}
    )
    assert r.status_code == 200 and b"survey-thanks" in r.content
    assert Ticket.objects.get().channel == Channel.SURVEY
    stranger = as_member(Client(), make_member())
    assert stranger.get(reverse("h5:order_survey", args=[order.number])).status_code == 404
