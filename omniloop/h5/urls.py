from django.urls import URLPattern, path
from django.views.generic import RedirectView

from omniloop.h5 import (
    views,
    views_cancel,
    views_card,
    views_checkout,
    views_content,
    views_coupons,
    views_feedback,
    views_growth,
    views_member,
    views_shop,
)

app_name = "h5"


def member_pages(prefix: str) -> list[URLPattern]:
    """The member pages, mounted under `/m/` (WeChat mall) and `/shop/` (web mall, `urls_shop`):
    one set of views, the mall read from the URL (`h5.mall`)."""
    return [
        path(f"{prefix}", views.home, name="home"),
        path(f"{prefix}store/<slug:code>", views.store, name="store"),
        path(f"{prefix}p/<slug:style_code>", views.product, name="product"),
        path(f"{prefix}browse", views_shop.browse, name="browse"),
        path(f"{prefix}news", views_content.feed, name="content_feed"),
        path(f"{prefix}news/<int:item_id>", views_content.detail, name="content_detail"),
        path(f"{prefix}cart", views_shop.cart, name="cart"),
        path(f"{prefix}cart/add", views_shop.cart_add, name="cart_add"),
        path(f"{prefix}cart/update", views_shop.cart_update, name="cart_update"),
        path(f"{prefix}checkout", views_checkout.checkout, name="checkout"),
        path(f"{prefix}orders", views_checkout.orders, name="orders"),
        path(f"{prefix}orders/<slug:number>", views_checkout.order, name="order"),
        path(f"{prefix}orders/<slug:number>/pay", views_checkout.pay, name="order_pay"),
        path(
            f"{prefix}orders/<slug:number>/survey",
            views_feedback.order_survey,
            name="order_survey",
        ),
        path(f"{prefix}orders/<slug:number>/cancel", views_cancel.cancel, name="order_cancel"),
        path(f"{prefix}join", views_member.join, name="join"),
        path(f"{prefix}join/otp", views_member.join_otp, name="join_otp"),
        path(f"{prefix}card", views_member.card, name="card"),
        path(f"{prefix}card/activate", views_card.card_activate_view, name="card_activate"),
        path(f"{prefix}logout", views_member.logout, name="logout"),
        path(f"{prefix}coupons", views_coupons.wallet, name="coupons"),
        path(f"{prefix}coupons/claim/<str:token>", views_coupons.claim, name="coupon_claim"),
        path(f"{prefix}feedback", views_feedback.feedback, name="feedback"),
        path(f"{prefix}refer", views_growth.refer, name="refer"),
        path(f"{prefix}r/<str:token>", views_growth.referral_landing, name="referral_open"),
        path(f"{prefix}lottery/<int:lottery_id>", views_growth.lottery, name="lottery"),
        path(
            f"{prefix}feedback/<int:ticket_id>/rate",
            views_feedback.feedback_rate,
            name="feedback_rate",
        ),
    ]


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="h5:home"), name="root"),
    path("s/<str:scene>", views.scan, name="scan"),
    *member_pages("m/"),
]
