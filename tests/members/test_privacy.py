"""Data-subject rights: the export holds everything, erasure leaves no personal data in any
table (checked by scanning every text column of every model), keeps orders and points against
the pseudonymous tombstone, and suppression stops imports and scans from recreating the person
until they join again themselves."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.apps import apps
from django.db import models

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.audit.models import AuditEvent
from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.core.phones import parse_phone
from omniloop.loyalty.selectors import points_balance
from omniloop.members.models import IdentityKind, Member, MemberIdentity, Suppression
from omniloop.members.privacy import export_csv_zip, member_erase, member_export
from omniloop.members.selectors import member_identify
from omniloop.members.services import identity_attach, member_create, otp_issue, phone_attach
from omniloop.onboarding.services import member_join
from omniloop.orders.models import Order
from omniloop.orders.models_online import OrderAddress
from omniloop.orders.privacy import orders_erase_sweep
from omniloop.touchpoints.models import ScanEvent, Touchpoint
from omniloop.touchpoints.services import (
    scan_record,
    scene_resolve,
    visitor_get_or_create,
    visitor_link,
)
from omniloop.wechat.models import WechatFollower, WechatInbound
from tests.factories import make_member, make_product, make_store, make_touchpoint, make_user
from tests.orders.helpers import sell
from tests.orders.online_helpers import ADDRESS, checkout, place
from tests.promotions.pricing_helpers import issued_coupon

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
OPENID = "oWX-erase-me-123"
NAME, CITY, REF = "张三丰", "杭州市西湖区", "LEGACY-77881"


@pytest.fixture
def person():
    store = make_store("sh01")
    assistant = make_user(Role.ASSISTANT, store)
    make_product("JK100", price="399.00")
    member = make_member(PHONE, name=NAME, city=CITY)
    Member.objects.filter(pk=member.pk).update(external_ref=REF, birth_date=date(1990, 5, 1))
    identity_attach(member=member, kind=IdentityKind.WECHAT_OPENID, value=OPENID, namespace="wx1")
    tp = make_touchpoint(Touchpoint.Kind.ASSISTANT_CARD, store=store, assistant=assistant)
    visitor = visitor_get_or_create(key=None)
    visitor_link(visitor=visitor, member=member)
    scan_record(ctx=scene_resolve(scene=tp.scene), visitor=visitor, user_agent="Mozilla/5.0 iPhone")
    sell(store, [("JK100-M", 1)], total="399.00", member=member, assistant=assistant.staff_code)
    issued_coupon(member)
    _wechat_follower(member, OPENID)
    shipped = place(member, checkout([("JK100-M", 1)]))
    OrderAddress.objects.filter(order=shipped).update(recipient=NAME, line=f"{CITY} 龙井路 8 号")
    Order.objects.filter(pk=shipped.pk).update(status=Order.Status.COMPLETED)
    member.refresh_from_db()
    return member


def _wechat_follower(member: Member, openid: str) -> WechatFollower:
    """A follower linked to the member, who wrote to the account once."""
    at = clock.now()
    visitor = visitor_get_or_create(key=None)
    follower = WechatFollower.objects.create(
        openid=openid, member=member, visitor=visitor, subscribed=True, created_at=at
    )
    WechatInbound.objects.create(
        dedup_key=f"event:{openid}:1",
        msg_type="text",
        openid=openid,
        sent_at=at,
        received_at=at,
        payload={"Content": f"{NAME}: 衣服让我皮肤过敏"},
    )
    return follower


def _text_columns():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField):
                yield model, field


def _tables_holding(needle: str) -> list[str]:
    """Every model.field whose text holds `needle`: an independent sweep of the whole schema."""
    found = []
    for model, field in _text_columns():
        lookup = f"{field.name}__icontains"
        if model._default_manager.filter(**{lookup: needle}).exists():
            found.append(f"{model._meta.label}.{field.name}")
    return found


def test_the_export_holds_every_section_with_the_full_phone(person):
    data = member_export(member_id=person.pk)
    sections = data["sections"]
    assert sections["profile"][0]["name"] == NAME
    assert {i["value"] for i in sections["identities"]} == {"+86" + PHONE, OPENID}
    assert sections["orders"][0]["total"] == "399.00"
    address = sections["orders"][1]["address"]
    assert (address["recipient"], address["phone"]) == (NAME, "+86" + ADDRESS.phone)
    assert sections["wechat"][0]["openid"] == OPENID
    assert "过敏" in sections["wechat"][0]["messages"][0]["content"]["Content"]
    assert sections["points"][0]["balance"] == points_balance(member_id=person.pk) > 0
    assert len(sections["coupons"]) == 1 and len(sections["scans"]) == 1
    assert sections["bindings"][0]["store"] == "sh01"
    json.dumps(data)  # machine-readable as it is
    archive = export_csv_zip(data)
    import io
    import zipfile

    names = set(zipfile.ZipFile(io.BytesIO(archive)).namelist())
    assert {"profile.csv", "orders.csv", "points.csv", "identities.csv"} <= names


def test_erasure_leaves_no_personal_data_in_any_table(person):
    phone = parse_phone(PHONE)
    assert _tables_holding(NAME) and _tables_holding(OPENID)  # the sweep can see them
    orders_before = Order.objects.filter(member=person).count()
    balance = points_balance(member_id=person.pk)

    report = member_erase(member_id=person.pk, reason="会员要求删除")

    assert report.identities == 2 and report.suppressed == 3  # phone, openid, external ref
    assert report.changed["orders"] == 1 and report.changed["wechat"] == 1
    address_phone = parse_phone(ADDRESS.phone)
    for needle in (
        *(NAME, CITY, REF, OPENID, PHONE, phone.e164, phone.index, "Mozilla"),
        *(ADDRESS.phone, address_phone.masked, "龙井路", "过敏"),
    ):
        assert _tables_holding(needle) == [], needle
    person.refresh_from_db()
    assert person.status == Member.Status.ERASED and person.birth_date is None
    assert not MemberIdentity.objects.filter(member=person).exists()
    assert Order.objects.filter(member=person).count() == orders_before  # kept, pseudonymous
    assert points_balance(member_id=person.pk) == balance
    assert ScanEvent.objects.filter(member=person).count() == 1
    with pytest.raises(ApplicationError):
        member_identify(phone=PHONE)
    assert member_erase(member_id=person.pk, reason="again").already_erased


def test_an_order_still_on_its_way_keeps_its_address_until_it_is_finished(person):
    open_order = place(person, checkout([("JK100-M", 1)]))
    Order.objects.filter(pk=open_order.pk).update(status=Order.Status.SHIPPED)
    member_erase(member_id=person.pk, reason="erase")
    address = OrderAddress.objects.get(order=open_order)
    assert address.recipient == ADDRESS.recipient and address.phone_encrypted  # still delivering
    assert orders_erase_sweep() == 0
    Order.objects.filter(pk=open_order.pk).update(status=Order.Status.COMPLETED)
    assert orders_erase_sweep() == 1
    address.refresh_from_db()
    assert (address.recipient, address.phone_masked, address.line) == ("", "", "")
    assert address.region == ADDRESS.region  # coarse, kept for regional figures
    assert orders_erase_sweep() == 0


def test_suppression_refuses_imports_and_scans_until_the_person_joins_again(person):
    member_erase(member_id=person.pk, reason="erase")
    stranger = member_create(join_source="import")
    with pytest.raises(ApplicationError) as err:
        identity_attach(
            member=stranger, kind=IdentityKind.WECHAT_OPENID, value=OPENID, namespace="wx1"
        )
    assert err.value.code == "identity_suppressed"
    with pytest.raises(ApplicationError) as err:
        phone_attach(member=stranger, phone=parse_phone(PHONE), source="import")
    assert err.value.code == "identity_suppressed"
    # The person joins again with a one-time code: a new member, and the phone's suppression ends.
    code = otp_issue(phone=parse_phone(PHONE))
    result = member_join(
        phone_raw=PHONE, code=code, consents={"sms": True}, visitor=None, scene=None
    )
    assert result.created and result.member_id != person.pk
    assert Suppression.objects.count() == 2  # the openid and the external ref stay suppressed


def test_the_api_exports_and_erases_with_an_audit_trail(client, person):
    cs = token_create(name="crm", role=Role.CS_AGENT).secret
    hq = token_create(name="hq", role=Role.HQ_ADMIN).secret
    r = client.get(f"/api/v1/members/{person.code}/export", HTTP_AUTHORIZATION=f"Bearer {cs}")
    assert r.status_code == 200 and r.json()["sections"]["profile"][0]["name"] == NAME
    body = json.dumps({"reason": "PIPL request 42"})
    r = client.post(
        f"/api/v1/members/{person.code}/erase",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {cs}",
    )
    assert r.status_code == 403  # customer service answers access requests; HQ erases
    r = client.post(
        f"/api/v1/members/{person.code}/erase",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {hq}",
    )
    assert r.status_code == 200 and r.json()["identities_removed"] == 2
    assert AuditEvent.objects.filter(action="member.export").count() == 1
    assert AuditEvent.objects.filter(action="member.erase").count() == 1


def test_the_dashboard_exports_for_customer_service_and_erases_for_hq(client, person):
    client.force_login(make_user(Role.CS_AGENT))
    r = client.get(f"/dashboard/members/{person.pk}/export/")
    assert r.status_code == 200 and json.loads(r.content)["member"] == person.code
    assert client.get(f"/dashboard/members/{person.pk}/export/?format=csv")["Content-Type"] == (
        "application/zip"
    )
    assert client.post(f"/dashboard/members/{person.pk}/erase/", {}).status_code == 403
    client.force_login(make_user(Role.HQ_ADMIN))
    r = client.post(f"/dashboard/members/{person.pk}/erase/", {"reason": "request"})
    assert r.status_code == 302
    assert Member.objects.get(pk=person.pk).status == Member.Status.ACTIVE  # not confirmed
    client.post(f"/dashboard/members/{person.pk}/erase/", {"reason": "request", "confirm": "1"})
    assert Member.objects.get(pk=person.pk).status == Member.Status.ERASED
    assert AuditEvent.objects.filter(action="member.export").count() == 2


def test_scans_past_the_retention_period_are_deleted(person, settings):
    from datetime import timedelta

    from omniloop.core import clock
    from omniloop.touchpoints.privacy import scans_retention_purge

    settings.OMNILOOP_RETENTION_SCAN_DAYS = 30
    ScanEvent.objects.update(scanned_at=clock.now() - timedelta(days=31))
    kept = ScanEvent.objects.create(
        touchpoint=ScanEvent.objects.get().touchpoint, scanned_at=clock.now() - timedelta(days=29)
    )
    assert scans_retention_purge() == 1
    assert list(ScanEvent.objects.values_list("pk", flat=True)) == [kept.pk]
