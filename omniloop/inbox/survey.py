"""The post-order and post-pickup survey (订单评价): one response per order, from its member,
once the goods are theirs. A rating of 1 or 2 stars, or a comment the triage rules put in a
category, files a ticket (a product review when a product is named) linked to the member,
order, store and product; the rest are kept as ratings."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.inbox.models import Category, Channel, SurveyResponse
from omniloop.inbox.services import Voice, ticket_open
from omniloop.inbox.triage import triage
from omniloop.members.models import Member
from omniloop.orders.models import Order

SURVEY_STATUSES = ("completed", "shipped")
LOW_RATING = 2


def survey_order(*, member: Member, order_number: str) -> Order:
    order = (
        Order.objects.filter(number=order_number[:32], member=member)
        .prefetch_related("lines__sku__product")
        .first()
    )
    if order is None:
        raise NotFound("Order not found.", code="order_not_found")
    if order.status not in SURVEY_STATUSES:
        raise Conflict("You can rate an order once it is yours.", code="survey_too_early")
    return order


def survey_submit(
    *,
    member: Member,
    order_number: str,
    rating: int,
    comment: str = "",
    product_id: int | None = None,
) -> SurveyResponse:
    if not 1 <= rating <= 5:
        raise ValidationFailed("Rate 1 to 5.", code="rating_invalid")
    order = survey_order(member=member, order_number=order_number)
    products = {line.sku.product_id for line in order.lines.all()}
    if product_id is not None and product_id not in products:
        raise ValidationFailed("That product is not in this order.", code="survey_product")
    comment = comment.strip()[:500]
    at = clock.now()
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                member=member,
                order=order,
                product_id=product_id,
                rating=rating,
                comment=comment,
                created_at=at,
            )
            sorted_ = triage(comment, rating=rating) if comment else None
            if rating <= LOW_RATING or (sorted_ and sorted_.category != Category.OTHER):
                stars = "★" * rating + "☆" * (5 - rating)
                response.ticket = ticket_open(
                    voice=Voice(
                        channel=Channel.REVIEW if product_id else Channel.SURVEY,
                        body=f"{stars} {comment}".strip(),
                        source_ref=f"survey:{order.pk}",
                        member_id=member.pk,
                        order_id=order.pk,
                        store_id=order.store_id,
                        product_id=product_id,
                        rating=rating,
                        at=at,
                    )
                )
                response.save(update_fields=["ticket"])
    except IntegrityError as exc:
        raise Conflict("You have rated this order already.", code="survey_done") from exc
    return response
