from django.urls import path
from django.views.generic import RedirectView

from omniloop.h5 import views, views_coupons, views_member

app_name = "h5"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="h5:home"), name="root"),
    path("s/<str:scene>", views.scan, name="scan"),
    path("m/", views.home, name="home"),
    path("m/store/<slug:code>", views.store, name="store"),
    path("m/p/<slug:style_code>", views.product, name="product"),
    path("m/join", views_member.join, name="join"),
    path("m/join/otp", views_member.join_otp, name="join_otp"),
    path("m/card", views_member.card, name="card"),
    path("m/logout", views_member.logout, name="logout"),
    path("m/coupons", views_coupons.wallet, name="coupons"),
    path("m/coupons/claim/<str:token>", views_coupons.claim, name="coupon_claim"),
]
