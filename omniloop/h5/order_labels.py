"""Order words as the member reads them (the models' labels are staff English)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

STATUS: dict[str, Promise] = {
    "pending": _("Awaiting payment"),
    "paid": _("Paid"),
    "ready": _("Ready for pickup"),
    "shipped": _("Shipped"),
    "completed": _("Completed"),
    "cancelled": _("Cancelled"),
    "refunded": _("Refunded"),
}
FULFILMENT: dict[str, Promise] = {
    "warehouse": _("Ship to home"),
    "store_ship": _("Ship to home"),
    "pickup": _("Pick up in store"),
    "in_store": _("Bought in store"),
}
CHECKOUT_ERRORS: dict[str, Promise] = {
    "basket_empty": _("Your cart is empty."),
    "address_invalid": _("Please complete the delivery address."),
    "phone_invalid": _("Enter a valid mobile phone number."),
    "phone_not_mobile": _("Enter a valid mobile phone number."),
    "pickup_store_unavailable": _("Choose a store to pick up from."),
    "checkout_total_changed": _("Prices changed since you opened this page: check the new total."),
    "coupon_not_applicable": _("A chosen coupon does not apply to this order."),
    "coupon_reserved": _("A chosen coupon is held by another checkout."),
    "coupon_already_redeemed": _("A chosen coupon has already been used."),
    "coupon_expired": _("A chosen coupon has expired."),
    "coupon_not_yours": _("A chosen coupon belongs to another member."),
    "coupon_unknown": _("No coupon has this code."),
    "idempotency_key_reused": _("This form was already sent. Open the checkout again."),
    "sku_unknown": _("An item in your cart is no longer sold."),
}
