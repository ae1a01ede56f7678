"""The member's feedback form (意见反馈, with photos) and their tickets: what happened to
each, and a satisfaction rating once it is resolved; the survey after an order or pickup.
The inbox app decides everything."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from omniloop.core.errors import ApplicationError
from omniloop.h5.errors import error_page
from omniloop.h5.mall import mall_redirect
from omniloop.h5.session import session_member
from omniloop.inbox.intake import feedback_submit
from omniloop.inbox.models import Category, SurveyResponse, Ticket
from omniloop.inbox.photos import MAX_BYTES, MAX_PHOTOS, PhotoUpload
from omniloop.inbox.services import ticket_rate
from omniloop.inbox.survey import survey_order, survey_submit

THANKS_KEY = "h5_feedback_thanks"


def _photos(request: HttpRequest) -> list[PhotoUpload]:
    files = request.FILES.getlist("photos")[: MAX_PHOTOS + 1]
    # Read one byte past the limit, never the whole of an oversized upload.
    return [PhotoUpload(data=f.read(MAX_BYTES + 1), name=f.name or "") for f in files]


@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest) -> HttpResponse:
    member = session_member(request)
    if member is None:
        return mall_redirect(request, "join")
    error, status = "", 200
    if request.method == "POST":
        try:
            ticket = feedback_submit(
                member=member,
                body=request.POST.get("body", ""),
                category=request.POST.get("category", ""),
                order_number=request.POST.get("order", "").strip(),
                photos=_photos(request),
            )
            request.session[THANKS_KEY] = ticket.number
            return mall_redirect(request, "feedback")
        except ApplicationError as exc:
            error, status = exc.message, exc.status
    tickets = Ticket.objects.filter(member=member).order_by("-created_at")[:20]
    return render(
        request,
        "h5/feedback.html",
        {
            "categories": Category.choices,
            "tickets": tickets,
            "error": error,
            "post": request.POST if error else {},
            "thanks": request.session.pop(THANKS_KEY, None),
            "max_photos": MAX_PHOTOS,
        },
        status=status,
    )


@require_POST
def feedback_rate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    member = session_member(request)
    if member is None:
        return mall_redirect(request, "join")
    try:
        score = int(request.POST.get("score", "0"))
    except ValueError:
        score = 0
    try:
        ticket_rate(
            ticket_id=ticket_id, member=member, score=score, comment=request.POST.get("comment", "")
        )
    except ApplicationError as exc:
        if exc.status == 404:
            return render(request, "h5/error.html", {"message": exc.message}, status=404)
    return mall_redirect(request, "feedback")


@require_http_methods(["GET", "POST"])
def order_survey(request: HttpRequest, number: str) -> HttpResponse:
    """The short survey after an order or pickup: stars, and a review of one product."""
    member = session_member(request)
    if member is None:
        return mall_redirect(request, "join")
    try:
        order = survey_order(member=member, order_number=number)
    except ApplicationError as exc:
        return error_page(request, exc)
    done = SurveyResponse.objects.filter(order=order).first()
    error, status = "", 200
    if request.method == "POST" and done is None:
        try:
            product = request.POST.get("product", "")
            done = survey_submit(
                member=member,
                order_number=number,
                rating=int(request.POST.get("rating", "0") or 0),
                comment=request.POST.get("comment", ""),
                product_id=int(product) if product.isdigit() else None,
            )
        except ValueError:
            error, status = "Rate 1 to 5.", 422
        except ApplicationError as exc:
            error, status = exc.message, exc.status
    products = {line.sku.product_id: line.sku.product for line in order.lines.all()}
    return render(
        request,
        "h5/survey.html",
        {"order": order, "done": done, "error": error, "products": list(products.values())},
        status=status,
    )
