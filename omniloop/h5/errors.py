"""ApplicationError -> what a shopper reads. Services speak English; the page speaks the
shopper's language, so known codes get a translated message and the rest fall back to the
service's own text. The stable code is always shown too, for support."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from omniloop.core.errors import ApplicationError, RateLimited

MESSAGES: dict[str, Promise] = {
    "scene_unknown": _("This QR code is not one of ours."),
    "scene_expired": _("This QR code is no longer in use."),
    "store_not_found": _("We could not find this store."),
    "product_not_found": _("We could not find this product."),
    "phone_invalid": _("Enter a valid mobile phone number."),
    "phone_not_mobile": _("Enter a mobile phone number that can receive SMS."),
    "phone_taken": _("This phone number belongs to another member."),
    "otp_invalid": _("The code is not correct."),
    "otp_expired": _("The code has expired. Request a new one."),
    "otp_locked": _("Too many wrong codes. Request a new one."),
    "otp_rate_limited_client": _("Too many codes from this device. Try later."),
    "otp_rate_limited_phone": _("A code was sent recently. Wait before retrying."),
    "terms_required": _("Please accept the membership terms and privacy policy."),
    "member_not_found": _("Member not found."),
    "coupon_claim_unknown": _("This coupon link is not valid."),
    "coupon_member_limit": _("You have already claimed this coupon."),
    "coupon_issue_limit_reached": _("All these coupons have been claimed."),
    "coupon_template_inactive": _("This coupon is no longer available."),
    "coupon_template_expired": _("This coupon has expired."),
    "card_token_invalid": _("This card link is not ours."),
    "card_member_required": _("Join or sign in to activate the card."),
    "card_link_incomplete": _("The card link is incomplete. Open it again from WeChat."),
    "card_code_invalid": _("WeChat could not read this card. Open it again from WeChat."),
    "card_other_member": _("This card belongs to another member."),
    "card_activate_failed": _("WeChat could not activate the card. Try again later."),
    "content_not_found": _("This page is not available."),
    "referral_link_unknown": _("This invitation link is not valid."),
    "lottery_not_found": _("We could not find this lottery."),
    "lottery_closed": _("Entries are closed."),
    "lottery_not_open": _("Entries are not open yet."),
    "lottery_entry_duplicate": _("You have already entered."),
    "lottery_follow_required": _("Follow our service account to enter."),
    "lottery_member_inactive": _("Only members can enter."),
}

TITLES: dict[int, Promise] = {
    404: _("Not found"),
    410: _("No longer available"),
    429: _("Please slow down"),
}


class TermsRequired(ApplicationError):
    status = 400
    code = "terms_required"


def error_message(exc: ApplicationError) -> str:
    message = MESSAGES.get(exc.code)
    return str(message) if message is not None else exc.message


def error_context(exc: ApplicationError) -> dict[str, object]:
    return {"code": exc.code, "message": error_message(exc), "status": exc.status}


def with_retry_after(response: HttpResponse, exc: ApplicationError) -> HttpResponse:
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def error_page(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    context = {
        "error": error_context(exc),
        "title": TITLES.get(exc.status, _("Something went wrong")),
    }
    response = render(request, "h5/error.html", context, status=exc.status)
    return with_retry_after(response, exc)
