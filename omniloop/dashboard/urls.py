from django.urls import path

from omniloop.dashboard.views import (
    auth,
    brand,
    home,
    member_actions,
    members,
    products,
    staff,
    stores,
    tokens,
    touchpoints,
)

app_name = "dashboard"
urlpatterns = [
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("", home.home, name="home"),
    path("members/", members.members, name="members"),
    path("members/<int:member_id>/", members.member_detail, name="member_detail"),
    path("members/<int:member_id>/phone/", members.member_phone_reveal, name="member_phone"),
    path("members/<int:member_id>/rebind/", member_actions.member_rebind, name="member_rebind"),
    path("members/<int:member_id>/merge/", member_actions.member_merge_view, name="member_merge"),
    path("stores/", stores.stores, name="stores"),
    path("stores/new/", stores.store_create, name="store_create"),
    path("stores/<slug:code>/", stores.store_detail, name="store_detail"),
    path("stores/<slug:code>/edit/", stores.store_edit, name="store_edit"),
    path("stores/<slug:code>/tags/", touchpoints.store_tag_sheet, name="store_tag_sheet"),
    path(
        "stores/<slug:code>/tags/create/", touchpoints.store_tags_create, name="store_tags_create"
    ),
    path("staff/", staff.staff, name="staff"),
    path("staff/new/", staff.staff_create_view, name="staff_create"),
    path("products/", products.products, name="products"),
    path("products/<slug:style_code>/", products.product_detail, name="product_detail"),
    path("touchpoints/", touchpoints.touchpoints, name="touchpoints"),
    path("touchpoints/new/", touchpoints.touchpoint_create_view, name="touchpoint_create"),
    path(
        "touchpoints/<int:touchpoint_id>/qr.<str:fmt>",
        touchpoints.touchpoint_qr,
        name="touchpoint_qr",
    ),
    path("settings/", brand.brand_settings_view, name="brand_settings"),
    path("tokens/", tokens.tokens, name="tokens"),
    path("tokens/new/", tokens.token_create_view, name="token_create"),
    path("tokens/<int:token_id>/revoke/", tokens.token_revoke_view, name="token_revoke"),
]
