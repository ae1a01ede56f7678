"""Every API operation x every kind of caller x its scope. A new endpoint fails here until it is
classified (its callers in API_ACCESS, its token scope in API_SCOPE)."""

from __future__ import annotations

import json

import pytest

from omniloop.accounts.access import Actor, actor_for_token
from omniloop.accounts.models import Role
from omniloop.accounts.scopes import SCOPES, scopes_for
from omniloop.accounts.services import token_authenticate, token_create
from omniloop.api.auth import TokenAuth
from omniloop.api.main import api
from omniloop.inventory.models import StockLevel
from omniloop.listings.models import ChannelListing
from omniloop.marketplace.services import marketplace_order_import
from omniloop.orders.endless_aisle import EndlessAisleInput, endless_aisle_order
from omniloop.orders.models import Order
from omniloop.orders.online_values import AddressInput
from omniloop.orders.pickup import pickup_mark_ready
from omniloop.promotions.models import Coupon, FlashSaleClaim
from omniloop.touchpoints.models import Touchpoint
from omniloop.wechat.qrcodes import wechat_qrcode_create
from tests.api.helpers import sale_body
from tests.factories import make_member, make_product, make_store, make_touchpoint
from tests.listings.helpers import make_channel
from tests.marketplace.helpers import mp_order
from tests.orders.helpers import sell
from tests.orders.pickup_helpers import paid_pickup, stock
from tests.promotions.coupon_helpers import make_template
from tests.promotions.flash_helpers import make_flash_sale
from tests.wechat.fake_server import FakeWechat

EA_ADDRESS = AddressInput(
    recipient="王", phone="13800138000", region="上海市", line="南京西路 1 号"
)

pytestmark = pytest.mark.django_db

TILL = "till"
HQ_ROLES = (Role.HQ_ADMIN, Role.MARKETER, Role.CS_AGENT)
CALLERS = (TILL, *HQ_ROLES)

# (method, path template) -> callers allowed. Everyone else: 401 without a token, 403 with one.
API_ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/api/v1/pos/members/identify"): frozenset({TILL}),
    ("POST", "/api/v1/pos/sales"): frozenset({TILL}),
    ("POST", "/api/v1/pos/returns"): frozenset({TILL}),
    ("GET", "/api/v1/pos/pickups"): frozenset({TILL}),
    ("POST", "/api/v1/pos/pickups/collect"): frozenset({TILL}),
    ("POST", "/api/v1/pos/quote"): frozenset({TILL}),
    ("GET", "/api/v1/stores"): frozenset(HQ_ROLES),
    ("GET", "/api/v1/members/{member_code}/export"): frozenset({Role.HQ_ADMIN, Role.CS_AGENT}),
    ("POST", "/api/v1/members/{member_code}/erase"): frozenset({Role.HQ_ADMIN}),
    ("GET", "/api/v1/members/{member_code}"): frozenset({Role.HQ_ADMIN, Role.CS_AGENT}),
    ("POST", "/api/v1/flash-sales/{flash_sale_id}/claims"): frozenset(CALLERS),
    ("GET", "/api/v1/flash-sales/{flash_sale_id}"): frozenset(CALLERS),
    ("POST", "/api/v1/coupon-templates"): frozenset({Role.HQ_ADMIN, Role.MARKETER}),
    ("GET", "/api/v1/coupon-templates/{template_id}"): frozenset({Role.HQ_ADMIN, Role.MARKETER}),
    ("POST", "/api/v1/coupon-templates/{template_id}/issue"): frozenset(
        {Role.HQ_ADMIN, Role.MARKETER}
    ),
    ("POST", "/api/v1/listings"): frozenset({Role.HQ_ADMIN, Role.MARKETER}),
    ("GET", "/api/v1/listings/drift"): frozenset({Role.HQ_ADMIN, Role.MARKETER}),
    ("POST", "/api/v1/wechat/qrcodes"): frozenset({Role.HQ_ADMIN, Role.MARKETER}),
    ("GET", "/api/v1/wechat/qrcodes/{qrcode_id}"): frozenset({Role.HQ_ADMIN, Role.MARKETER}),
    ("POST", "/api/v1/pos/stock"): frozenset({TILL}),
    ("POST", "/api/v1/inventory"): frozenset({Role.HQ_ADMIN}),
    ("GET", "/api/v1/inventory/availability"): frozenset(CALLERS),
    ("POST", "/api/v1/segments/preview"): frozenset({Role.HQ_ADMIN, Role.MARKETER}),
    ("POST", "/api/v1/segments/{slug}/refresh"): frozenset({Role.HQ_ADMIN, Role.MARKETER}),
    ("POST", "/api/v1/marketplace/orders"): frozenset({Role.HQ_ADMIN}),
    ("POST", "/api/v1/marketplace/orders/{channel}/{external_id}/status"): frozenset(
        {Role.HQ_ADMIN}
    ),
    ("GET", "/api/v1/marketplace/drift"): frozenset({Role.HQ_ADMIN, Role.MARKETER}),
    ("POST", "/api/v1/orders/{number}/cancel"): frozenset({Role.HQ_ADMIN, Role.CS_AGENT}),
    ("POST", "/api/v1/pos/endless-aisle"): frozenset({TILL}),
    ("POST", "/api/v1/pos/endless-aisle/{number}/ship"): frozenset({TILL}),
}
# (method, path template) -> the token scope it needs (`accounts.scopes`).
API_SCOPE: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/pos/members/identify"): "pos.members",
    ("POST", "/api/v1/pos/sales"): "pos.sales",
    ("POST", "/api/v1/pos/quote"): "pos.sales",
    ("POST", "/api/v1/pos/returns"): "pos.returns",
    ("GET", "/api/v1/pos/pickups"): "pos.pickups",
    ("POST", "/api/v1/pos/pickups/collect"): "pos.pickups",
    ("POST", "/api/v1/pos/stock"): "pos.stock",
    ("POST", "/api/v1/pos/endless-aisle"): "pos.endless_aisle",
    ("POST", "/api/v1/pos/endless-aisle/{number}/ship"): "pos.endless_aisle",
    ("GET", "/api/v1/stores"): "stores.read",
    ("GET", "/api/v1/members/{member_code}"): "members.read",
    ("GET", "/api/v1/members/{member_code}/export"): "members.export",
    ("POST", "/api/v1/members/{member_code}/erase"): "members.erase",
    ("POST", "/api/v1/flash-sales/{flash_sale_id}/claims"): "flash_sales",
    ("GET", "/api/v1/flash-sales/{flash_sale_id}"): "flash_sales",
    ("POST", "/api/v1/coupon-templates"): "coupons.write",
    ("GET", "/api/v1/coupon-templates/{template_id}"): "coupons.read",
    ("POST", "/api/v1/coupon-templates/{template_id}/issue"): "coupons.write",
    ("POST", "/api/v1/listings"): "listings.write",
    ("GET", "/api/v1/listings/drift"): "listings.read",
    ("POST", "/api/v1/wechat/qrcodes"): "wechat.qrcodes",
    ("GET", "/api/v1/wechat/qrcodes/{qrcode_id}"): "wechat.qrcodes",
    ("POST", "/api/v1/inventory"): "inventory.write",
    ("GET", "/api/v1/inventory/availability"): "inventory.read",
    ("POST", "/api/v1/segments/preview"): "segments",
    ("POST", "/api/v1/segments/{slug}/refresh"): "segments",
    ("POST", "/api/v1/marketplace/orders"): "marketplace.orders",
    ("POST", "/api/v1/marketplace/orders/{channel}/{external_id}/status"): "marketplace.orders",
    ("GET", "/api/v1/marketplace/drift"): "marketplace.read",
    ("POST", "/api/v1/orders/{number}/cancel"): "orders.cancel",
}
ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def test_every_api_operation_is_classified():
    assert _operations() == set(API_ACCESS), (
        "Classify new endpoints in API_ACCESS (and remove deleted ones)"
    )
    assert set(API_SCOPE) == set(API_ACCESS), "Give every endpoint its scope in API_SCOPE"
    for op, scope in API_SCOPE.items():
        # A scope is held only by callers the operation allows (else a grant would be a lie).
        assert API_ACCESS[op] <= SCOPES[scope].callers, op
    # The published schema says the same, for integrators reading /api/docs.
    schema = api.get_openapi_schema()
    documented = {
        (method.upper(), path): operation["security"][0]["TokenAuth"][0]
        for path, ops in schema["paths"].items()
        for method, operation in ops.items()
    }
    assert documented == API_SCOPE


@pytest.fixture
def fake_wechat(settings):
    """The WeChat API on a local fake server, for the QR code endpoints."""
    server = FakeWechat(app_id="wx-matrix", secret="matrix-secret").start()
    settings.OMNILOOP_WECHAT_APP_ID = server.app_id
    settings.OMNILOOP_WECHAT_APP_SECRET = server.secret
    settings.OMNILOOP_WECHAT_API_BASE = server.url
    yield server
    server.stop()


@pytest.fixture
def world(db, fake_wechat):
    store = make_store("sh01")
    make_product("JK100")
    make_channel("tmall")
    member = make_member("13900139000")
    secrets = {TILL: token_create(name="till", store=store).secret}
    for role in HQ_ROLES:
        secrets[role] = token_create(name=role, role=role).secret
    # Room for one claim by each allowed caller, so an allowed claim gets its 201.
    flash_sale = make_flash_sale(stock=100, per_member_limit=len(CALLERS) * 2)
    coupons = make_template(per_member_limit=len(CALLERS))
    # Room for a return by each caller.
    order = sell(store, [("JK100-M", 5)], total="1995.00", receipt="WORLD-1")
    # A ready pickup at the till's store, for the one allowed caller to hand over.
    stock(store, "JK100-M", 3)
    pickup, pickup_code = paid_pickup(member, store, [("JK100-M", 1)])
    pickup_mark_ready(actor=Actor(role=Role.HQ_ADMIN, store_id=None), order_number=pickup.number)
    # A paid pickup to cancel (the first allowed caller cancels, the next replays).
    to_cancel, _ = paid_pickup(member, store, [("JK100-M", 1)])
    # A marketplace order for status updates, and endless aisle: sh02 has stock for this
    # till's orders, and sh02's till ordered one from this store for this till to ship.
    marketplace_order_import(data=mp_order("MP-WORLD", channel="tmall"))
    other = make_store("sh02")
    stock(other, "JK100-M", 5)
    to_ship = endless_aisle_order(
        store=other,
        data=EndlessAisleInput(
            receipt_no="EA-WORLD", items=(("JK100-M", 1),), address=EA_ADDRESS, from_store="sh01"
        ),
    )
    counter = make_touchpoint(Touchpoint.Kind.STORE_COUNTER, store=store)
    qrcode = wechat_qrcode_create(touchpoint_id=counter.pk, permanent=True)
    return {
        "store": store,
        "order": order,
        "pickup": (pickup.number, pickup_code),
        "to_cancel": to_cancel.number,
        "to_ship": to_ship.number,
        "counter": counter,
        "qrcode_id": qrcode.id,
        "member": member,
        "secrets": secrets,
        "flash_sale": flash_sale,
        "coupon_template": coupons,
    }


def _request(client, method: str, template: str, world, secret: str | None, n: int):
    path = template.replace("{member_code}", world["member"].code)
    path = path.replace("{flash_sale_id}", str(world["flash_sale"].pk))
    path = path.replace("{template_id}", str(world["coupon_template"].pk))
    path = path.replace("{qrcode_id}", str(world["qrcode_id"]))
    path = path.replace("{slug}", "lifecycle-active")
    path = path.replace("endless-aisle/{number}", f"endless-aisle/{world['to_ship']}")
    path = path.replace("orders/{number}", f"orders/{world['to_cancel']}")
    path = path.replace("{channel}/{external_id}", "tmall/MP-WORLD")
    headers = {"HTTP_IDEMPOTENCY_KEY": f"matrix-key-{n:04d}"}
    if secret:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    body = {}
    if path.endswith("/sales"):
        body = sale_body(f"R-{n}")
    elif path.endswith("/pickups/collect"):
        number, code = world["pickup"]
        body = {"order_number": number, "code": code}
    elif path.endswith("/erase"):
        body = {"reason": "data-subject request"}
    elif path.endswith("/returns"):
        body = {
            "order_number": world["order"].number,
            "reference": f"RT-{n}",
            "lines": [{"sku": "JK100-M", "quantity": 1}],
        }
    elif path.endswith("/quote"):
        body = {"lines": [{"sku": "JK100-M", "quantity": 1}]}
    elif path.endswith("/identify"):
        body = {"member_code": world["member"].code}
    elif path.endswith("/claims"):
        body = {"member_code": world["member"].code, "quantity": 1}
    elif path.endswith("/coupon-templates"):
        body = {"offer_id": world["coupon_template"].offer_id, "name": f"T{n}", "valid_days": 7}
    elif path.endswith("/issue"):
        body = {"member_codes": [world["member"].code]}
    elif path.endswith("/wechat/qrcodes"):
        body = {"touchpoint_id": world["counter"].pk, "permanent": True}
    elif path.endswith("/segments/preview"):
        body = {"rule": {"field": "orders_30d", "op": ">=", "value": 1}}
    elif path.endswith("/listings"):
        listing = {"external_id": "1", "style_code": "JK100", "title": "x", "price": "1.00"}
        body = {"channel": "tmall", "listings": [{**listing, "observed_at": "2026-01-01T00:00Z"}]}
    elif path.endswith("/pos/stock"):
        body = {"rows": [{"sku": "JK100-M", "on_hand": 3}]}
    elif path.endswith("/inventory"):
        body = {"rows": [{"store": "sh01", "sku": "JK100-M", "on_hand": 3}]}
    elif path.endswith("/availability"):
        path += "?sku=JK100-M"
    elif path.endswith("/marketplace/orders"):
        body = {
            "channel": "tmall",
            "external_id": f"MP-{n}",
            "ordered_at": "2026-11-30T10:00:00+08:00",
            "lines": [{"sku": "JK100-M", "quantity": 1}],
        }
    elif path.endswith("/status"):
        body = {"status": "paid"}
    elif path.endswith("/cancel"):
        body = {"reason": "matrix"}
    elif path.endswith("/pos/endless-aisle"):
        body = {
            "receipt_no": f"EA-{n}",
            "lines": [{"sku": "JK100-M", "quantity": 1}],
            "address": {
                "recipient": "王",
                "phone": "13800138000",
                "region": "上海市",
                "line": "南京西路 1 号",
            },
        }
    return client.generic(
        method,
        path,
        data=json.dumps(body) if method != "GET" else "",
        content_type="application/json",
        **headers,
    )


def _violations(client, world, method: str, template: str) -> list[str]:
    """What is wrong with one operation's access: the anonymous caller, every kind of caller
    with its full grant, and a caller the operation allows with a token short of its scope
    (refused) or holding only that scope (served)."""
    found = []
    r = _request(client, method, template, world, None, 0)
    if r.status_code != 401:
        found.append(f"anonymous got {r.status_code}")
    allowed = API_ACCESS[(method, template)]
    for n, caller in enumerate(CALLERS, start=1):
        r = _request(client, method, template, world, world["secrets"][caller], n)
        if caller in allowed:
            if r.status_code not in (200, 201):
                found.append(f"{caller} refused: {r.status_code} {r.content[:200]!r}")
        elif r.status_code != 403 or r.json()["error"]["code"] not in (
            "till_only",
            "role_forbidden",
        ):
            found.append(f"{caller} not refused: {r.status_code}")
    scope = API_SCOPE[(method, template)]
    caller = sorted(allowed)[0]
    without = [s for s in scopes_for(caller) if s != scope] or None
    for n, (grant, want) in enumerate(((without, 403), ([scope], None)), start=10):
        if grant is None:  # the caller's only scope is this one: nothing to leave out
            continue
        secret = _token(world, caller, grant)
        r = _request(client, method, template, world, secret, n)
        if want == 403 and (r.status_code != 403 or r.json()["error"]["code"] != "scope_missing"):
            found.append(f"{caller} without {scope} not refused: {r.status_code}")
        # Served: past authorization (a one-shot operation already done answers 409).
        if want is None and r.status_code not in (200, 201, 409):
            found.append(f"{caller} with only {scope} refused: {r.status_code}")
    return found


def _token(world, caller: str, scopes: list[str]) -> str:
    if caller == TILL:
        return token_create(name="scoped till", store=world["store"], scopes=scopes).secret
    return token_create(name=f"scoped {caller}", role=caller, scopes=scopes).secret


@pytest.mark.parametrize(("method", "template"), sorted(API_ACCESS))
def test_each_operation_against_each_caller(client, world, method, template):
    assert _violations(client, world, method, template) == []


@pytest.mark.parametrize(
    ("method", "template"),
    [("POST", "/api/v1/members/{member_code}/erase"), ("POST", "/api/v1/pos/returns")],
)
def test_the_matrix_catches_an_operation_whose_check_was_dropped(
    client, world, monkeypatch, method, template
):
    """The matrix can fail: in a broken variant where this operation's check takes any valid
    token, whatever its role or scopes, the same checks report the callers it lets in."""
    scope = API_SCOPE[(method, template)]
    checked = TokenAuth.authenticate

    def unchecked(self, request, token):
        if self.scope.name != scope:
            return checked(self, request, token)
        api_token = token_authenticate(secret=token)
        if api_token is None:
            return None
        request.actor = actor_for_token(api_token)
        request.api_token = api_token
        return request.actor

    monkeypatch.setattr(TokenAuth, "authenticate", unchecked)
    client.raise_request_exception = False  # a caller let in may crash the operation: a 500
    found = _violations(client, world, method, template)
    assert any("not refused" in v for v in found), found


@pytest.mark.parametrize(("method", "template"), sorted(API_ACCESS))
def test_switching_the_http_method_reaches_nothing(client, world, method, template):
    registered = {m for (m, t) in API_ACCESS if t == template}
    for other in set(ALL_METHODS) - registered:
        for secret in world["secrets"].values():
            r = _request(client, other, template, world, secret, 99)
            assert r.status_code == 405, (other, template, r.status_code)
    assert Order.objects.filter(receipt_no="R-99").count() == 0
    assert not FlashSaleClaim.objects.exists()
    assert not Coupon.objects.exists()
    assert not ChannelListing.objects.exists()
    assert StockLevel.objects.count() == 2  # the world's own rows (sh01, sh02), no other


def test_tills_identify_members_of_any_store_but_see_phones_masked(client, world):
    other_store = make_store("bj01")
    secret = token_create(name="till bj", store=other_store).secret
    r = client.post(
        "/api/v1/pos/members/identify",
        data=json.dumps({"phone": "13900139000"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert r.status_code == 200
    assert r.json()["phone_masked"] == "139****9000"
    assert "13900139000" not in r.content.decode()
