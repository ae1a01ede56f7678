from django.urls import path

from omniloop.dashboard.views import (
    auth,
    brand,
    coupon_template_status,
    coupon_templates,
    flash_sales,
    home,
    member_actions,
    members,
    products,
    promotions,
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
    path("promotions/offers/", promotions.offers, name="offers"),
    path("promotions/offers/new/", promotions.offer_create_view, name="offer_create"),
    path("promotions/offers/<int:offer_id>/", promotions.offer_detail, name="offer_detail"),
    path("promotions/offers/<int:offer_id>/edit/", promotions.offer_edit, name="offer_edit"),
    path(
        "promotions/offers/<int:offer_id>/activate/",
        promotions.offer_activate_view,
        name="offer_activate",
    ),
    path(
        "promotions/offers/<int:offer_id>/pause/", promotions.offer_pause_view, name="offer_pause"
    ),
    path("promotions/offers/<int:offer_id>/end/", promotions.offer_end_view, name="offer_end"),
    path(
        "promotions/offers/<int:offer_id>/duplicate/",
        promotions.offer_duplicate_view,
        name="offer_duplicate",
    ),
    path("promotions/offers/<int:offer_id>/try/", promotions.offer_try, name="offer_try"),
    path("promotions/coupons/", coupon_templates.templates, name="coupon_templates"),
    path(
        "promotions/coupons/new/",
        coupon_templates.template_create,
        name="coupon_template_create",
    ),
    path(
        "promotions/coupons/<int:template_id>/",
        coupon_templates.template_detail,
        name="coupon_template_detail",
    ),
    path(
        "promotions/coupons/<int:template_id>/edit/",
        coupon_templates.template_edit,
        name="coupon_template_edit",
    ),
    path(
        "promotions/coupons/<int:template_id>/deactivate/",
        coupon_template_status.template_deactivate,
        name="coupon_template_deactivate",
    ),
    path(
        "promotions/coupons/<int:template_id>/reactivate/",
        coupon_template_status.template_reactivate,
        name="coupon_template_reactivate",
    ),
    path(
        "promotions/coupons/<int:template_id>/retire/",
        coupon_template_status.template_retire,
        name="coupon_template_retire",
    ),
    path(
        "promotions/coupons/<int:template_id>/issue/",
        coupon_templates.template_issue,
        name="coupon_template_issue",
    ),
    path(
        "promotions/coupons/<int:template_id>/qr.<str:fmt>",
        coupon_templates.template_qr,
        name="coupon_template_qr",
    ),
    path("promotions/flash/", flash_sales.flash_sales, name="flash_sales"),
    path("promotions/flash/new/", flash_sales.flash_sale_create_view, name="flash_sale_create"),
    path(
        "promotions/flash/<int:flash_sale_id>/",
        flash_sales.flash_sale_detail,
        name="flash_sale_detail",
    ),
    path(
        "promotions/flash/<int:flash_sale_id>/pause/",
        flash_sales.flash_sale_pause_view,
        name="flash_sale_pause",
    ),
    path(
        "promotions/flash/<int:flash_sale_id>/resume/",
        flash_sales.flash_sale_resume_view,
        name="flash_sale_resume",
    ),
    path(
        "promotions/flash/<int:flash_sale_id>/end/",
        flash_sales.flash_sale_end_view,
        name="flash_sale_end",
    ),
    path("settings/", brand.brand_settings_view, name="brand_settings"),
    path("tokens/", tokens.tokens, name="tokens"),
    path("tokens/new/", tokens.token_create_view, name="token_create"),
    path("tokens/<int:token_id>/revoke/", tokens.token_revoke_view, name="token_revoke"),
]
