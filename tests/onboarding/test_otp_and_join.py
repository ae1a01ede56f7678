from __future__ import annotations

import re

import pytest
from freezegun import freeze_time

from omniloop.accounts.models import Role
from omniloop.attribution.models import MemberBinding
from omniloop.core.errors import ApplicationError, RateLimited, ValidationFailed
from omniloop.loyalty.selectors import points_balance
from omniloop.members.models import ConsentRecord, Member, OtpChallenge
from omniloop.onboarding.services import member_join, otp_send
from omniloop.touchpoints.models import Touchpoint
from omniloop.touchpoints.services import visitor_get_or_create
from tests.factories import make_store, make_touchpoint, make_user

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def _code(outbox) -> str:
    return re.search(r"(\d{6})", outbox[-1].text).group(1)


def test_join_binds_to_the_scanned_assistant_and_gives_the_welcome_points(sms_outbox):
    store = make_store()
    assistant = make_user(Role.ASSISTANT, store)
    tp = make_touchpoint(Touchpoint.Kind.ASSISTANT_CARD, store=store, assistant=assistant)
    sent = otp_send(phone_raw=PHONE, client_key="1.2.3.4")
    assert sent.masked_phone == "139****5678"
    assert sms_outbox[-1].to_e164 == "+8613912345678"
    result = member_join(
        phone_raw=PHONE,
        code=_code(sms_outbox),
        consents={"sms": True, "wechat": False},
        visitor=None,
        scene=tp.scene,
    )
    assert result.created and result.welcome_points == 100
    binding = MemberBinding.objects.get(member_id=result.member_id)
    assert (binding.store, binding.assistant) == (store, assistant)
    assert binding.touchpoint == tp
    assert points_balance(member_id=result.member_id) == 100
    consents = {c.channel: c.granted for c in ConsentRecord.objects.all()}
    assert consents == {"sms": True, "wechat": False}


def test_joining_again_logs_in_without_a_duplicate_or_a_second_welcome(sms_outbox):
    otp_send(phone_raw=PHONE, client_key="a")
    first = member_join(
        phone_raw=PHONE, code=_code(sms_outbox), consents={}, visitor=None, scene=None
    )
    with freeze_time(None) as clock:
        clock.tick(61)
        otp_send(phone_raw="+86 139 1234 5678", client_key="a")
        again = member_join(
            phone_raw=PHONE, code=_code(sms_outbox), consents={}, visitor=None, scene=None
        )
    assert (again.member_id, again.created, again.welcome_points) == (first.member_id, False, 0)
    assert Member.objects.count() == 1
    assert points_balance(member_id=first.member_id) == 100


def test_wrong_code_writes_no_member_and_locks_after_five_tries(sms_outbox):
    otp_send(phone_raw=PHONE, client_key="a")
    good = _code(sms_outbox)
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationFailed) as exc:
            member_join(phone_raw=PHONE, code=wrong, consents={}, visitor=None, scene=None)
        assert exc.value.code == "otp_invalid"
    with pytest.raises(ValidationFailed) as exc:
        member_join(phone_raw=PHONE, code=good, consents={}, visitor=None, scene=None)
    assert exc.value.code == "otp_locked"
    assert Member.objects.count() == 0


def test_expired_code_is_refused(sms_outbox):
    with freeze_time("2026-11-24 10:00:00"):
        otp_send(phone_raw=PHONE, client_key="a")
    with freeze_time("2026-11-24 10:05:01"), pytest.raises(ValidationFailed) as exc:
        member_join(phone_raw=PHONE, code=_code(sms_outbox), consents={}, visitor=None, scene=None)
    assert exc.value.code == "otp_expired"
    assert Member.objects.count() == 0


def test_a_code_works_once(sms_outbox):
    otp_send(phone_raw=PHONE, client_key="a")
    code = _code(sms_outbox)
    member_join(phone_raw=PHONE, code=code, consents={}, visitor=None, scene=None)
    with pytest.raises(ValidationFailed) as exc:
        member_join(phone_raw=PHONE, code=code, consents={}, visitor=None, scene=None)
    assert exc.value.code == "otp_expired"


@pytest.mark.parametrize(
    ("scene", "code", "status"),
    [("zzzzzzzzzzzz", "scene_unknown", 404), ("../../etc", "scene_unknown", 404)],
)
def test_unknown_or_forged_scene_is_refused_before_anything_is_written(
    sms_outbox, scene, code, status
):
    otp_send(phone_raw=PHONE, client_key="a")
    with pytest.raises(ApplicationError) as exc:
        member_join(phone_raw=PHONE, code=_code(sms_outbox), consents={}, visitor=None, scene=scene)
    assert (exc.value.code, exc.value.status) == (code, status)
    assert Member.objects.count() == 0
    assert OtpChallenge.objects.get().consumed_at is None  # the code is still usable


def test_retired_scene_is_gone(sms_outbox):
    tp = make_touchpoint(Touchpoint.Kind.POSTER, label="old poster")
    Touchpoint.objects.filter(pk=tp.pk).update(active=False)
    otp_send(phone_raw=PHONE, client_key="a")
    with pytest.raises(ApplicationError) as exc:
        member_join(
            phone_raw=PHONE, code=_code(sms_outbox), consents={}, visitor=None, scene=tp.scene
        )
    assert (exc.value.code, exc.value.status) == ("scene_expired", 410)


def test_malformed_phone_writes_nothing(sms_outbox):
    with pytest.raises(ValidationFailed) as exc:
        otp_send(phone_raw="1391234", client_key="a")
    assert exc.value.code == "phone_invalid"
    assert OtpChallenge.objects.count() == 0 and sms_outbox == []


def test_codes_are_rate_limited_per_phone(sms_outbox):
    with freeze_time("2026-11-24 10:00:00") as clock:
        otp_send(phone_raw=PHONE, client_key="a")
        with pytest.raises(RateLimited) as exc:
            otp_send(phone_raw=PHONE, client_key="b")
        assert exc.value.code == "otp_rate_limited_phone" and exc.value.retry_after > 0
        for _ in range(4):
            clock.tick(61)
            otp_send(phone_raw=PHONE, client_key="c")
        clock.tick(61)
        with pytest.raises(RateLimited):  # 5 an hour
            otp_send(phone_raw=PHONE, client_key="d")
    assert len(sms_outbox) == 5
    assert OtpChallenge.objects.count() == 5


def test_codes_are_rate_limited_per_client(sms_outbox):
    with freeze_time("2026-11-24 10:00:00"):
        for i in range(10):
            otp_send(phone_raw=f"1391234{i:04d}", client_key="9.9.9.9")
        with pytest.raises(RateLimited) as exc:
            otp_send(phone_raw="13900000000", client_key="9.9.9.9")
        assert exc.value.code == "otp_rate_limited_client"
        otp_send(phone_raw="13900000000", client_key="8.8.8.8")
    assert len(sms_outbox) == 11


def test_visitor_scans_are_linked_on_join(sms_outbox):
    from omniloop.onboarding.services import scan_visit

    store = make_store()
    tp = make_touchpoint(Touchpoint.Kind.STORE_COUNTER, store=store)
    visitor = visitor_get_or_create(key=None)
    scan_visit(scene=tp.scene, visitor=visitor)
    otp_send(phone_raw=PHONE, client_key="a")
    result = member_join(
        phone_raw=PHONE, code=_code(sms_outbox), consents={}, visitor=visitor, scene=tp.scene
    )
    assert visitor.scans.get().member_id == result.member_id


def test_the_first_scanned_assistant_wins_even_if_the_join_starts_from_a_product_tag(sms_outbox):
    from omniloop.onboarding.services import scan_visit
    from tests.factories import make_product

    store = make_store()
    assistant = make_user(Role.ASSISTANT, store)
    card = make_touchpoint(Touchpoint.Kind.ASSISTANT_CARD, store=store, assistant=assistant)
    tag = make_touchpoint(Touchpoint.Kind.PRODUCT_TAG, store=store, product=make_product())
    visitor = visitor_get_or_create(key=None)
    scan_visit(scene=card.scene, visitor=visitor)
    scan_visit(scene=tag.scene, visitor=visitor)
    otp_send(phone_raw=PHONE, client_key="a")
    result = member_join(
        phone_raw=PHONE, code=_code(sms_outbox), consents={}, visitor=visitor, scene=tag.scene
    )
    binding = MemberBinding.objects.get(member_id=result.member_id)
    assert (binding.store, binding.assistant, binding.touchpoint) == (store, assistant, card)
    assert result.binding is not None and result.binding.assistant_id == assistant.pk
