"""Which roles may open which dashboard page: the one table every view is checked against.

`staff_view(name)` refuses to decorate a view whose URL name is missing here, and a test walks
the URL patterns, so a new page cannot ship unclassified. Object-level scoping (another store's
member, store, touchpoint) is the selectors' job, not this table's."""

from __future__ import annotations

from omniloop.accounts.models import Role

HQ_ADMIN = Role.HQ_ADMIN.value
MARKETER = Role.MARKETER.value
CS_AGENT = Role.CS_AGENT.value
STORE_MANAGER = Role.STORE_MANAGER.value
ASSISTANT = Role.ASSISTANT.value

ALL_ROLES = frozenset({HQ_ADMIN, MARKETER, CS_AGENT, STORE_MANAGER, ASSISTANT})
TOUCHPOINT_READERS = frozenset({HQ_ADMIN, MARKETER, STORE_MANAGER, ASSISTANT})
TOUCHPOINT_WRITERS = frozenset({HQ_ADMIN, MARKETER, STORE_MANAGER})
PHONE_READERS = frozenset({HQ_ADMIN, CS_AGENT})
# Promotions: HQ admins and marketers run them; store managers read the ones that reach their
# store (the selectors scope offers and templates to "all stores or mine").
PROMO_READERS = frozenset({HQ_ADMIN, MARKETER, STORE_MANAGER})
PROMO_WRITERS = frozenset({HQ_ADMIN, MARKETER})
# Collections (商品合集) are merchandising and offer scopes: HQ admins and marketers keep them.
COLLECTION_EDITORS = frozenset({HQ_ADMIN, MARKETER})
SEGMENT_USERS = frozenset({HQ_ADMIN, MARKETER})
# Campaigns (ADR 30): marketers draft, HQ admins approve and send (the services check who).
CAMPAIGN_USERS = frozenset({HQ_ADMIN, MARKETER})
# Content operations (ADR 33): HQ marketers and admins write, publish and push content.
CONTENT_EDITORS = frozenset({HQ_ADMIN, MARKETER})

# Settlement: store staff see their own store (an assistant their own row), HQ every store;
# customer service has no business with the brand's money. Only HQ admins change the rules.
SETTLEMENT_READERS = frozenset({HQ_ADMIN, MARKETER, STORE_MANAGER, ASSISTANT})

# The customer-service inbox (ADR 28): agents and HQ admins every ticket, store staff their
# store's (the inbox selectors scope); marketers have none. HQ admins set the targets.
INBOX_USERS = frozenset({HQ_ADMIN, CS_AGENT, STORE_MANAGER, ASSISTANT})

# The assistant's workbench (ADR 34): store staff only (an assistant their bound members, a
# manager the store's); HQ admins and marketers say which coupons assistants may give out.
WORKBENCH_USERS = frozenset({STORE_MANAGER, ASSISTANT})

# Growth tools (ADR 32): HQ admins and marketers run referral rules and lotteries; store
# managers read their own store's employee codes; every staff user has their own code.
GROWTH_USERS = frozenset({HQ_ADMIN, MARKETER})
EMPLOYEE_REPORT_READERS = frozenset({HQ_ADMIN, MARKETER, STORE_MANAGER})

PUBLIC_VIEWS: frozenset[str] = frozenset({"dashboard:login", "dashboard:login_verify"})

VIEW_ROLES: dict[str, frozenset[str]] = {
    "dashboard:growth_referrals": GROWTH_USERS,
    "dashboard:growth_referral_program": GROWTH_USERS,
    "dashboard:growth_lotteries": GROWTH_USERS,
    "dashboard:growth_lottery": GROWTH_USERS,
    "dashboard:growth_lottery_draw": GROWTH_USERS,
    "dashboard:growth_lottery_wechat_code": GROWTH_USERS,
    "dashboard:growth_employees": EMPLOYEE_REPORT_READERS,
    "dashboard:growth_my_code": ALL_ROLES,
    "dashboard:growth_my_code_png": ALL_ROLES,
    "dashboard:logout": ALL_ROLES,
    "dashboard:home": ALL_ROLES,
    # Members
    "dashboard:members": ALL_ROLES,
    "dashboard:member_detail": ALL_ROLES,
    "dashboard:member_phone": PHONE_READERS,
    "dashboard:member_rebind": frozenset({HQ_ADMIN, STORE_MANAGER}),
    # The e-mail address is personal data in clear: those who may see phones in clear.
    "dashboard:member_messaging": PHONE_READERS,
    "dashboard:member_merge": frozenset({HQ_ADMIN}),
    # Data-subject requests: customer service answers access requests; only HQ erases.
    "dashboard:member_export": PHONE_READERS,
    "dashboard:member_erase": frozenset({HQ_ADMIN}),
    # Stores and staff
    "dashboard:stores": ALL_ROLES,
    "dashboard:store_detail": ALL_ROLES,
    "dashboard:store_create": frozenset({HQ_ADMIN}),
    "dashboard:store_edit": frozenset({HQ_ADMIN}),
    # Stock (门店库存): every role reads; store staff their own store only (the selectors scope)
    "dashboard:stock": ALL_ROLES,
    "dashboard:stock_store": ALL_ROLES,
    "dashboard:staff": frozenset({HQ_ADMIN, STORE_MANAGER}),
    "dashboard:staff_create": frozenset({HQ_ADMIN, STORE_MANAGER}),
    # Catalog
    "dashboard:products": ALL_ROLES,
    "dashboard:product_detail": ALL_ROLES,
    "dashboard:collections": COLLECTION_EDITORS,
    "dashboard:collection_create": COLLECTION_EDITORS,
    "dashboard:collection_edit": COLLECTION_EDITORS,
    # Touchpoints
    "dashboard:touchpoints": TOUCHPOINT_READERS,
    "dashboard:touchpoint_create": TOUCHPOINT_WRITERS,
    "dashboard:touchpoint_qr": TOUCHPOINT_READERS,
    "dashboard:store_tag_sheet": TOUCHPOINT_READERS,
    "dashboard:store_tags_create": TOUCHPOINT_WRITERS,
    # Promotions
    "dashboard:offers": PROMO_READERS,
    "dashboard:offer_create": PROMO_WRITERS,
    "dashboard:offer_detail": PROMO_READERS,
    "dashboard:offer_edit": PROMO_WRITERS,
    "dashboard:offer_activate": PROMO_WRITERS,
    "dashboard:offer_pause": PROMO_WRITERS,
    "dashboard:offer_end": PROMO_WRITERS,
    "dashboard:offer_duplicate": PROMO_WRITERS,
    "dashboard:offer_try": PROMO_READERS,
    "dashboard:coupon_templates": PROMO_READERS,
    "dashboard:coupon_template_create": PROMO_WRITERS,
    "dashboard:coupon_template_detail": PROMO_READERS,
    "dashboard:coupon_template_issue": PROMO_WRITERS,
    "dashboard:coupon_template_edit": PROMO_WRITERS,
    "dashboard:coupon_template_deactivate": PROMO_WRITERS,
    "dashboard:coupon_template_reactivate": PROMO_WRITERS,
    "dashboard:coupon_template_retire": PROMO_WRITERS,
    "dashboard:coupon_template_qr": PROMO_READERS,
    "dashboard:flash_sales": PROMO_READERS,
    "dashboard:flash_sale_create": PROMO_WRITERS,
    # Names its top claimers (phones masked) across every store: HQ roles only.
    "dashboard:flash_sale_detail": PROMO_WRITERS,
    "dashboard:flash_sale_pause": PROMO_WRITERS,
    "dashboard:flash_sale_resume": PROMO_WRITERS,
    "dashboard:flash_sale_end": PROMO_WRITERS,
    # Catalog consistency across channels (listings check): HQ runs the catalog and the prices
    "dashboard:consistency": frozenset({HQ_ADMIN, MARKETER}),
    # Settlement (结算), commission (佣金) and O2O performance (业绩)
    "dashboard:settlement": SETTLEMENT_READERS,
    "dashboard:settlement_export": SETTLEMENT_READERS,
    "dashboard:o2o_performance": SETTLEMENT_READERS,
    "dashboard:settlement_rules": frozenset({HQ_ADMIN}),
    # The marketing wall (大屏): HQ sees the brand, a store manager their own store only
    "dashboard:wall": frozenset({HQ_ADMIN, MARKETER, STORE_MANAGER}),
    "dashboard:wall_page": frozenset({HQ_ADMIN, MARKETER, STORE_MANAGER}),
    # Site selection places members of every store: HQ only
    "dashboard:wall_sites": frozenset({HQ_ADMIN, MARKETER}),
    # Segments (人群): member features across every store, so HQ admins and marketers only.
    "dashboard:segments": SEGMENT_USERS,
    "dashboard:campaigns": CAMPAIGN_USERS,
    "dashboard:campaign_new": CAMPAIGN_USERS,
    "dashboard:campaign_detail": CAMPAIGN_USERS,
    "dashboard:campaign_action": CAMPAIGN_USERS,
    "dashboard:campaign_journey": CAMPAIGN_USERS,
    "dashboard:content": CONTENT_EDITORS,
    "dashboard:content_new": CONTENT_EDITORS,
    "dashboard:content_edit": CONTENT_EDITORS,
    "dashboard:content_action": CONTENT_EDITORS,
    "dashboard:content_push": CONTENT_EDITORS,
    "dashboard:segment_builder": SEGMENT_USERS,
    "dashboard:segment_export": SEGMENT_USERS,
    "dashboard:segment_save": SEGMENT_USERS,
    "dashboard:segment_refresh": SEGMENT_USERS,
    # Brand rules
    "dashboard:brand_settings": frozenset({HQ_ADMIN}),
    # Points: HQ sets the policy, marketers add earn rules, approvers decide adjustments,
    # and whoever may see a member may ask for an adjustment (the service checks the member).
    # Pickups: the store prepares and hands over its own; HQ sees any store's.
    "dashboard:pickups": frozenset({HQ_ADMIN, STORE_MANAGER, ASSISTANT}),
    "dashboard:shipments": frozenset({HQ_ADMIN, STORE_MANAGER, ASSISTANT}),
    "dashboard:shipment_ship": frozenset({HQ_ADMIN, STORE_MANAGER, ASSISTANT}),
    "dashboard:shipping_store_set": frozenset({HQ_ADMIN}),
    "dashboard:pickup_ready": frozenset({HQ_ADMIN, STORE_MANAGER, ASSISTANT}),
    "dashboard:points": frozenset({HQ_ADMIN, MARKETER, CS_AGENT}),
    "dashboard:points_policy": frozenset({HQ_ADMIN}),
    "dashboard:earn_rule_create": frozenset({HQ_ADMIN, MARKETER}),
    "dashboard:earn_rule_toggle": frozenset({HQ_ADMIN, MARKETER}),
    "dashboard:points_adjustment_decide": frozenset({HQ_ADMIN, CS_AGENT}),
    "dashboard:member_points_adjust": frozenset({HQ_ADMIN, CS_AGENT, STORE_MANAGER}),
    # Customer-service inbox (客服)
    "dashboard:inbox": INBOX_USERS,
    "dashboard:inbox_ticket": INBOX_USERS,
    "dashboard:inbox_reply": INBOX_USERS,
    "dashboard:inbox_note": INBOX_USERS,
    "dashboard:inbox_assign": INBOX_USERS,
    "dashboard:inbox_resolve": INBOX_USERS,
    "dashboard:inbox_remedy": INBOX_USERS,
    "dashboard:inbox_remedy_decide": INBOX_USERS,
    "dashboard:inbox_photo": INBOX_USERS,
    "dashboard:inbox_new_note": INBOX_USERS,
    "dashboard:inbox_report": frozenset({HQ_ADMIN, CS_AGENT, STORE_MANAGER}),
    "dashboard:inbox_policy": frozenset({HQ_ADMIN}),
    "dashboard:inbox_canned": frozenset({HQ_ADMIN, CS_AGENT}),
    "dashboard:inbox_canned_toggle": frozenset({HQ_ADMIN, CS_AGENT}),
    # API tokens
    "dashboard:tokens": frozenset({HQ_ADMIN}),
    "dashboard:token_create": frozenset({HQ_ADMIN}),
    "dashboard:token_revoke": frozenset({HQ_ADMIN}),
    # The audit trail names staff, tokens, addresses and every refusal: HQ admins only.
    "dashboard:audit": frozenset({HQ_ADMIN}),
    # The assistant's workbench
    "dashboard:workbench": WORKBENCH_USERS,
    "dashboard:workbench_task_done": WORKBENCH_USERS,
    "dashboard:workbench_card": WORKBENCH_USERS,
    "dashboard:workbench_poster": WORKBENCH_USERS,
    "dashboard:workbench_members": WORKBENCH_USERS,
    "dashboard:workbench_member": WORKBENCH_USERS,
    "dashboard:workbench_share_product": WORKBENCH_USERS,
    "dashboard:workbench_share_coupon": WORKBENCH_USERS,
    "dashboard:workbench_performance": WORKBENCH_USERS,
    "dashboard:workbench_coupons": frozenset({HQ_ADMIN, MARKETER}),
}


def is_classified(name: str) -> bool:
    return name in PUBLIC_VIEWS or name in VIEW_ROLES


def role_may_open(role: str, name: str) -> bool:
    return name in PUBLIC_VIEWS or role in VIEW_ROLES.get(name, frozenset())
